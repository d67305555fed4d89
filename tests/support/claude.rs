//! A stand-in for Claude's Messages API that carries conversations: a
//! request with `tools` (an AI turn) is recorded and answered with the
//! `answer_customer` tool call the test set; any other request (a first
//! reply, an analysis) gets `first_reply` as prose.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Clone, Default)]
pub struct TurnClaude {
    /// The tool input every turn answers with.
    pub turn_answer: Arc<Mutex<Value>>,
    /// Every turn request, as sent.
    pub turn_requests: Arc<Mutex<Vec<Value>>>,
    first_reply: Arc<String>,
}

impl TurnClaude {
    /// Listens on a free port; the URL to give `AnthropicClient`.
    pub async fn start(first_reply: &str) -> (Self, String) {
        let mock = TurnClaude {
            first_reply: Arc::new(first_reply.to_string()),
            ..Default::default()
        };
        let state = mock.clone();
        let app = axum::Router::new().route(
            "/v1/messages",
            post(move |Json(body): Json<Value>| {
                let state = state.clone();
                async move { Json(state.answer(body)) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (mock, url)
    }

    /// Turns from now on answer with this tool input.
    pub fn answer_with(&self, input: Value) {
        *self.turn_answer.lock().unwrap() = input;
    }

    fn answer(&self, body: Value) -> Value {
        if body.get("tools").is_some() {
            self.turn_requests.lock().unwrap().push(body);
            let input = self.turn_answer.lock().unwrap().clone();
            return json!({
                "id": "msg_turn", "type": "message", "role": "assistant",
                "model": "claude-test", "stop_reason": "tool_use",
                "content": [{"type": "tool_use", "id": "toolu_1",
                             "name": "answer_customer", "input": input}],
                "usage": {"input_tokens": 1200, "output_tokens": 90}
            });
        }
        json!({
            "id": "msg_1", "type": "message", "role": "assistant",
            "model": "claude-test", "stop_reason": "end_turn",
            "content": [{"type": "text", "text": self.first_reply.as_str()}],
            "usage": {"input_tokens": 800, "output_tokens": 60}
        })
    }
}
