use super::{Out, StripError};

pub fn strip(_data: &[u8], _out: &mut Out) -> Result<(), StripError> {
    Err(StripError::Unsupported(super::SUPPORTED.to_string()))
}
