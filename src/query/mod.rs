//! Node's `querystring` rules, both ways, in one place: [`escape`] writes a signed text exactly as
//! the documented Node sample's `querystring.stringify` does, and [`parse`] reads any signed text
//! the official samples produce (Node, PHP, Python, Java, Go, C#), with the strictness a signature
//! needs. The parameter names, order and value rules are not here: they are in [`crate::params`].

pub(crate) mod escape;
pub(crate) mod parse;

#[cfg(test)]
pub(crate) mod reference;
