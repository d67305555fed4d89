//! HTML bodies to text lines, keeping what a label parser needs: a table row
//! of two cells becomes `label: value`, block elements end lines. Importer
//! mails are simple tables; this is not a general HTML renderer.

/// One text line per row or block; cells of a row are joined as `a: b`.
pub fn to_lines(html: &str) -> Vec<String> {
    let text = strip_tags(html);
    text.split('\n')
        .filter_map(|line| {
            let cells: Vec<String> = line
                .split('\t')
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|c| !c.is_empty())
                .collect();
            match cells.as_slice() {
                [] => None,
                [label, value] if !label.ends_with(':') => Some(format!("{label}: {value}")),
                _ => Some(cells.join(" ")),
            }
        })
        .collect()
}

/// Tags out, entities decoded; `\n` ends blocks and rows, `\t` ends cells.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]).replace(['\n', '\r', '\t'], " "));
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..end].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[end + 1..];
        if !tag.starts_with('/') && (name == "script" || name == "style" || name == "head") {
            // Skip the element's contents entirely.
            let close = format!("</{name}");
            match rest.to_ascii_lowercase().find(&close) {
                Some(i) => {
                    rest = &rest[i..];
                    if let Some(e) = rest.find('>') {
                        rest = &rest[e + 1..];
                    }
                }
                None => rest = "",
            }
            continue;
        }
        match name.as_str() {
            "br" | "p" | "div" | "tr" | "table" | "li" | "ul" | "ol" | "h1" | "h2" | "h3"
            | "h4" | "h5" | "h6" | "hr" | "dt" | "dd" | "section" | "article" => out.push('\n'),
            "td" | "th" if tag.starts_with('/') => out.push('\t'),
            _ => {}
        }
    }
    out.push_str(&decode_entities(rest));
    out
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| entity(&after[..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "aelig" => 'æ',
        "oslash" => 'ø',
        "aring" => 'å',
        "AElig" => 'Æ',
        "Oslash" => 'Ø',
        "Aring" => 'Å',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "eacute" => 'é',
        "ndash" => '–',
        "mdash" => '—',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_become_label_lines() {
        let html = "<html><head><style>td{}</style></head><body><h2>Ny foresp&oslash;rsel</h2>\
            <table><tr><td><b>Fornavn</b></td><td>Ola</td></tr>\
            <tr><th>E-post:</th><td><a href=\"mailto:o@x.no\">o@x.no</a></td></tr>\
            <tr><td>Melding</td><td>Hei &amp; h&#229;per&#x21;</td></tr></table></body></html>";
        assert_eq!(
            to_lines(html),
            [
                "Ny forespørsel",
                "Fornavn: Ola",
                "E-post: o@x.no",
                "Melding: Hei & håper!"
            ]
        );
    }

    #[test]
    fn broken_html_does_not_panic() {
        for html in [
            "<",
            "<td",
            "&#xFFFFFFFF;",
            "&",
            "<script>",
            "a<b>c</b",
            "&#0;&#9999999;",
        ] {
            let _ = to_lines(html);
        }
        assert_eq!(to_lines("a<br>b<p>c"), ["a", "b", "c"]);
    }
}
