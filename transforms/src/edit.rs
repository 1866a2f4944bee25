//! Text edits over the original source, and the one place that applies them.

use std::ops::Range;

/// Replace `range` (byte offsets into the original text) with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, replacement: impl Into<String>) -> Self {
        Edit {
            range,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            replacement: text.into(),
        }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            replacement: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlappingEdits {
    pub first: Range<usize>,
    pub second: Range<usize>,
}

/// Applies `edits` to the part `window` of `text`, returning the edited slice.
///
/// Edits outside the window are ignored; an edit that straddles its border is an error, and so
/// are two edits that overlap (two insertions at the same point are applied in the given order).
pub fn apply_in(
    text: &str,
    window: Range<usize>,
    edits: &[Edit],
) -> Result<String, OverlappingEdits> {
    let mut inside: Vec<&Edit> = Vec::new();
    for edit in edits {
        let within = edit.range.start >= window.start && edit.range.end <= window.end;
        let outside = edit.range.end <= window.start || edit.range.start >= window.end;
        // An insertion exactly on the window's border belongs to the window.
        let on_border = edit.range.is_empty()
            && (edit.range.start == window.start || edit.range.start == window.end);
        if within || on_border {
            inside.push(edit);
        } else if !outside {
            return Err(OverlappingEdits {
                first: window.clone(),
                second: edit.range.clone(),
            });
        }
    }
    // Stable sort keeps insertions at one point in their given order.
    inside.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(window.len() + 64);
    let mut cursor = window.start;
    let mut previous: Option<&Range<usize>> = None;
    for edit in inside {
        if let Some(prev) = previous {
            if edit.range.start < prev.end
                || (edit.range.start == prev.start && !prev.is_empty() && !edit.range.is_empty())
            {
                return Err(OverlappingEdits {
                    first: prev.clone(),
                    second: edit.range.clone(),
                });
            }
        }
        out.push_str(&text[cursor..edit.range.start]);
        out.push_str(&edit.replacement);
        cursor = edit.range.end;
        previous = Some(&edit.range);
    }
    out.push_str(&text[cursor..window.end]);
    Ok(out)
}

/// Applies all `edits` to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, OverlappingEdits> {
    apply_in(text, 0..text.len(), edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_and_keeps_untouched_text() {
        let text = "let a = 1; let b = 2;";
        let edits = vec![
            Edit::replace(19..20, "3"),
            Edit::replace(8..9, "x"),
            Edit::insert(0, "// hi\n"),
        ];
        assert_eq!(apply(text, &edits).unwrap(), "// hi\nlet a = x; let b = 3;");
    }

    #[test]
    fn refuses_overlaps() {
        let edits = vec![Edit::replace(0..5, "a"), Edit::replace(3..8, "b")];
        assert!(apply("0123456789", &edits).is_err());
    }

    #[test]
    fn window_applies_only_inner_edits() {
        let text = "aaaa(bbbb)cccc";
        let edits = vec![Edit::replace(0..1, "X"), Edit::replace(6..7, "Y")];
        assert_eq!(apply_in(text, 5..9, &edits).unwrap(), "bYbb");
        assert!(apply_in(text, 1..7, &[Edit::replace(5..9, "z")]).is_err());
    }

    #[test]
    fn insertions_at_one_point_keep_their_order() {
        let edits = vec![Edit::insert(1, "a"), Edit::insert(1, "b")];
        assert_eq!(apply("xy", &edits).unwrap(), "xaby");
    }
}
