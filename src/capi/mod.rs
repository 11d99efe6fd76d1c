//! The C ABI (`include/vodsign.h`, generated from this folder by `scripts/gen-header.sh`).
//!
//! A thin layer over the core: it checks pointers, converts strings and errors, and holds no
//! signing, decoding or verification rule of its own. Every exported function:
//!
//! * returns a [`vodsign_status`] (0 is [`VODSIGN_OK`]) unless it cannot fail;
//! * catches panics (`VODSIGN_ERR_PANIC`), so no unwind crosses into C;
//! * checks every pointer before using it (`VODSIGN_ERR_NULL_ARGUMENT`);
//! * writes its outputs only on success (the one exception: `*out_len` on
//!   `VODSIGN_ERR_BUFFER_TOO_SMALL`, which tells the caller how much room to make);
//! * on failure records a detail message for [`vodsign_last_error_message`] on the calling thread.
//!
//! One file per concept: [`status`] (status codes and version), `failure` (the panic guard and
//! the last-error detail), `args` (argument and output helpers), then one per handle:
//! [`options`], [`signer`], [`decode`] (decoding and verifying), [`decoded`] and its
//! [`warnings`]. cbindgen starts at this file and follows the modules.
#![allow(non_camel_case_types)]
// Each `unsafe extern "C" fn` documents its contract in its `# Safety` section, in the header.
#![allow(clippy::missing_safety_doc)]

// In the order the header shows them (cbindgen follows the modules in this order).
pub mod status;

mod failure;

mod args;

pub mod options;

pub mod signer;

pub mod decode;

pub mod decoded;

pub mod warnings;

pub use decode::*;
pub use decoded::*;
pub use failure::{vodsign_last_error_message, vodsign_last_error_param};
pub use options::*;
pub use signer::*;
pub use status::*;
pub use warnings::*;

#[cfg(test)]
mod tests;
