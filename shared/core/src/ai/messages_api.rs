//! The Anthropic Messages body and answer, shared by the providers that
//! speak it: Anthropic's own API (which names the model in the body) and
//! Amazon Bedrock's `InvokeModel` (which names it in the path and wants
//! `anthropic_version` instead). The same prompts, forced tool and
//! guardrails go to either.

use serde_json::{Value, json};

use super::model::{ModelAnswer, ModelError, ModelRequest, Role};

/// The request body without a model: `max_tokens`, `system`, `messages`,
/// and the forced tool when the request names one.
pub fn body(request: &ModelRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|(role, text)| {
            json!({
                "role": match role { Role::User => "user", Role::Assistant => "assistant" },
                "content": text,
            })
        })
        .collect();
    let mut body = json!({
        "max_tokens": request.max_tokens,
        "system": request.system,
        "messages": messages,
    });
    if let Some(tool) = &request.tool {
        body["tools"] = json!([{
            "name": tool.name,
            "description": tool.description,
            "input_schema": tool.input_schema,
        }]);
        // Forced: the answer is the tool's input, never free text.
        body["tool_choice"] = json!({"type": "tool", "name": tool.name});
    }
    body
}

/// The answer: its text, the tool's input, token counts, and whether it
/// was cut at `max_tokens`.
pub fn parse_answer(body: &Value) -> Result<ModelAnswer, ModelError> {
    let content = body["content"]
        .as_array()
        .ok_or_else(|| ModelError::Malformed("no content array".into()))?;
    let text: String = content
        .iter()
        .filter(|block| block["type"] == "text")
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let structured = content
        .iter()
        .find(|block| block["type"] == "tool_use")
        .map(|block| block["input"].clone());
    if text.trim().is_empty() && structured.is_none() {
        return Err(ModelError::Malformed("no text in the answer".into()));
    }
    Ok(ModelAnswer {
        text,
        model: body["model"].as_str().unwrap_or_default().to_string(),
        input_tokens: body["usage"]["input_tokens"].as_u64().unwrap_or(0) as u32,
        output_tokens: body["usage"]["output_tokens"].as_u64().unwrap_or(0) as u32,
        truncated: body["stop_reason"] == "max_tokens",
        structured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_cut_replies_flagged() {
        let a = parse_answer(&json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "Hei Kari!"}],
            "stop_reason": "max_tokens", "usage": {"input_tokens": 10, "output_tokens": 3}
        }))
        .unwrap();
        assert_eq!(a.text, "Hei Kari!");
        assert!(a.truncated);
        assert_eq!((a.input_tokens, a.output_tokens), (10, 3));
        assert!(parse_answer(&json!({"content": []})).is_err());
        assert_eq!(a.structured, None);
        let tool = parse_answer(&json!({
            "model": "claude-test", "stop_reason": "tool_use",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "answer_customer",
                         "input": {"reply": "Hei!", "intent": "question"}}],
            "usage": {"input_tokens": 5, "output_tokens": 9}
        }))
        .unwrap();
        assert_eq!(tool.structured.unwrap()["reply"], "Hei!");
        assert_eq!(tool.text, "");
        assert!(parse_answer(&json!({"oops": 1})).is_err());
    }
}
