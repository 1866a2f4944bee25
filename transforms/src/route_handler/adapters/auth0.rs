use super::AdapterInput;
use crate::diagnostic::Diagnostic;
use crate::route_handler::Converted;

pub(super) fn convert(_input: &AdapterInput) -> Option<Result<Converted, Vec<Diagnostic>>> {
    None
}
