//! Writing to standard output and standard error without panicking.
//!
//! `print!` panics when the write fails; every write of this tool goes through here instead.
//! A closed pipe (the reader went away, as with `| head`) ends the command quietly with
//! [`PIPE_EXIT`], the status a shell reports for a tool ended by SIGPIPE; any other failure,
//! a full disk or a closed standard output, is exit 1 with a message.

use std::io::{self, BufWriter, StdoutLock, Write};

use crate::{CliResult, Fail};

/// The exit status when the reader of the output went away: 128 + SIGPIPE, what `sh` reports
/// for `yes | head` and what `set -o pipefail` scripts already expect.
pub const PIPE_EXIT: u8 = 141;

/// The failure a write error means.
pub fn failed(e: io::Error) -> Fail {
    if e.kind() == io::ErrorKind::BrokenPipe { Fail::Pipe } else { Fail::Write(e) }
}

/// Writes `text` to standard output and flushes it.
pub fn print(text: &str) -> CliResult<()> {
    let mut w = stdout()?;
    w.write_all(text.as_bytes()).and_then(|()| w.flush()).map_err(failed)
}

/// Standard output, buffered; refused when it is closed.
pub fn stdout() -> CliResult<BufWriter<StdoutLock<'static>>> {
    if stdout_closed() {
        return Err(Fail::Closed);
    }
    Ok(BufWriter::new(io::stdout().lock()))
}

/// Writes a line to standard error; a failure there has nowhere to be reported, so it is ignored.
pub fn error(line: &str) {
    let mut e = io::stderr().lock();
    let _ = e.write_all(crate::escape::inert(line).as_bytes()).and_then(|()| e.write_all(b"\n"));
}

/// Whether the command was started with standard output closed (`>&-`).
///
/// The Rust runtime puts `/dev/null`, opened read-write, in place of a closed standard
/// descriptor before `main`, so writes would vanish and the command would report success. A
/// shell's `>/dev/null` opens it write-only, so read-write `/dev/null` on descriptor 1 means
/// it was closed. (The one look-alike, `1<>/dev/null`, is refused the same way.)
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // st_rdev is not a u64 on every Unix
fn stdout_closed() -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: F_GETFL on a descriptor number reads its flags and touches no memory.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
    if flags < 0 {
        return true;
    }
    if flags & libc::O_ACCMODE != libc::O_RDWR {
        return false;
    }
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes one `stat` into `st`, which has room for it.
    if unsafe { libc::fstat(1, st.as_mut_ptr()) } != 0 {
        return true;
    }
    // SAFETY: fstat succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    match std::fs::metadata("/dev/null") {
        Ok(null) => st.st_rdev as u64 == null.rdev() && (st.st_mode & libc::S_IFMT) == libc::S_IFCHR,
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn stdout_closed() -> bool {
    false
}
