//! The `sign` target: signing options built by set-by-name and by direct field assignment,
//! checked by [`check_sign`](crate::options::check_sign).
//!
//! Input: `secret_id:str key cts:u64 exp_mode:u8 exp:u64 random:u32 ops...` (see
//! [`crate::input`] for `str` and key, and [`Op`] for the ops). `exp_mode & 1` makes `exp`
//! relative to `cts` (wrapping).

use vodsign::Options;

use crate::input::{Input, Op, put_key, put_str};
use crate::options::{apply, check_sign};

/// The parts of a `sign` input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInput {
    pub secret_id: String,
    pub key: Vec<u8>,
    pub cts: u64,
    pub exp: u64,
    pub random: u32,
    pub ops: Vec<Op>,
}

impl SignInput {
    pub fn read(data: &[u8]) -> SignInput {
        let mut input = Input::new(data);
        let secret_id = input.string();
        let key = input.key().to_vec();
        let cts = input.u64();
        let relative = input.u8() & 1 == 1;
        let exp = input.u64();
        let exp = if relative { cts.wrapping_add(exp) } else { exp };
        let random = input.u32();
        let ops = input.ops(Op::read);
        SignInput { secret_id, key, cts, exp, random, ops }
    }

    /// The bytes [`SignInput::read`] reads back as this input (expireTime written relative);
    /// None when a part does not fit the layout.
    pub fn write(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        put_str(&mut out, &self.secret_id)?;
        put_key(&mut out, &self.key)?;
        out.extend_from_slice(&self.cts.to_le_bytes());
        out.push(1);
        out.extend_from_slice(&self.exp.wrapping_sub(self.cts).to_le_bytes());
        out.extend_from_slice(&self.random.to_le_bytes());
        for op in &self.ops {
            op.write(&mut out)?;
        }
        Some(out)
    }

    /// The options the ops make (each `Options::set` checked by [`apply`]).
    pub fn options(&self) -> Options {
        let mut opts = Options::new();
        for op in &self.ops {
            apply(&mut opts, op);
        }
        opts
    }
}

pub fn target(data: &[u8]) {
    let input = SignInput::read(data);
    let opts = input.options();
    check_sign(&input.secret_id, &input.key, &opts, input.cts, input.exp, input.random);
}
