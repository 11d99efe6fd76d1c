//! The implementation under test as a child process speaking JSON Lines: one request line in,
//! one answer line out, each answer awaited for at most the per-line timeout.
//!
//! Three threads per child: one writes requests (so a child that never reads cannot block the
//! tool on a full pipe), one reads answer lines (bounded in length), one keeps the last bytes of
//! its standard error for the report. The child runs in its own process group, so a hung child
//! is ended with everything it started; after a timeout or an exit the next request starts a
//! fresh child.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child as Process, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The longest answer line kept: 1 MiB, like `sign --batch`'s input lines.
pub const MAX_LINE: usize = 1 << 20;
/// How much of the child's standard error the report shows.
const STDERR_TAIL: usize = 2048;

/// The answer to one request.
#[derive(Debug)]
pub enum Reply {
    /// A line, without its line ending.
    Line(String),
    /// A line that is not UTF-8 or longer than [`MAX_LINE`]: what is wrong with it.
    Unreadable(String),
    /// No line within the timeout; the child was ended.
    Timeout,
    /// The child closed its output (it exited, or is exiting) before answering: how it ended and
    /// the end of its standard error.
    Exited { how: String, stderr: String },
    /// The child could not be started.
    NotStarted(String),
}

enum Msg {
    Line(Vec<u8>),
    TooLong,
    Eof,
}

struct Running {
    process: Process,
    requests: Option<Sender<Vec<u8>>>,
    answers: Receiver<Msg>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// The command under test, started on demand.
pub struct Child {
    command: Vec<String>,
    timeout: Duration,
    running: Option<Running>,
    /// How many times a child was started.
    pub starts: usize,
}

impl Child {
    pub fn new(command: Vec<String>, timeout: Duration) -> Self {
        Child { command, timeout, running: None, starts: 0 }
    }

    fn start(&mut self) -> std::io::Result<Running> {
        let mut cmd = Command::new(&self.command[0]);
        cmd.args(&self.command[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The child signs with the request's test key, never with the user's.
            .env_remove(crate::KEY_ENV)
            .process_group(0);
        let mut process = cmd.spawn()?;
        self.starts += 1;
        let (mut stdin, stdout, mut stderr) = match (process.stdin.take(), process.stdout.take(), process.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => return Err(std::io::Error::other("the child's pipes were not set up")),
        };
        let (req_tx, req_rx) = channel::<Vec<u8>>();
        thread::spawn(move || {
            for line in req_rx {
                if stdin.write_all(&line).and_then(|()| stdin.flush()).is_err() {
                    break;
                }
            }
        });
        // Bounded: a child that floods its output is held back by the pipe, not buffered here.
        let (ans_tx, ans_rx) = sync_channel(64);
        thread::spawn(move || read_lines(stdout, &ans_tx));
        let tail = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&tail);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                if let Ok(mut t) = keep.lock() {
                    t.extend_from_slice(&buf[..n]);
                    let excess = t.len().saturating_sub(STDERR_TAIL);
                    t.drain(..excess);
                }
            }
        });
        Ok(Running { process, requests: Some(req_tx), answers: ans_rx, stderr: tail })
    }

    /// Sends one request line and waits for its answer.
    pub fn ask(&mut self, line: &str) -> Reply {
        if self.running.is_none() {
            match self.start() {
                Ok(r) => self.running = Some(r),
                Err(e) => return Reply::NotStarted(format!("could not start {}: {e}", self.command[0])),
            }
        }
        let Some(r) = self.running.as_mut() else { unreachable!("started above") };
        let mut bytes = line.as_bytes().to_vec();
        bytes.push(b'\n');
        // A send fails only when the writer stopped (the child closed its input): the answer
        // channel then reports the end.
        if let Some(tx) = &r.requests {
            let _ = tx.send(bytes);
        }
        match r.answers.recv_timeout(self.timeout) {
            Ok(Msg::Line(b)) => match String::from_utf8(b) {
                Ok(s) => Reply::Line(s),
                Err(e) => Reply::Unreadable(format!("the answer line is not UTF-8 (at byte {})", e.utf8_error().valid_up_to())),
            },
            Ok(Msg::TooLong) => Reply::Unreadable(format!("the answer line is longer than {MAX_LINE} bytes")),
            Ok(Msg::Eof) | Err(RecvTimeoutError::Disconnected) => {
                let (how, stderr) = self.stop(Duration::from_millis(500));
                Reply::Exited { how, stderr }
            }
            Err(RecvTimeoutError::Timeout) => {
                self.stop(Duration::ZERO);
                Reply::Timeout
            }
        }
    }

    /// Closes the child's input, gives it `grace` to exit, then ends its process group. Returns
    /// how it ended and the end of its standard error.
    pub fn stop(&mut self, grace: Duration) -> (String, String) {
        let Some(mut r) = self.running.take() else { return ("not running".into(), String::new()) };
        r.requests.take();
        let deadline = Instant::now() + grace;
        let mut status = None;
        while status.is_none() {
            status = r.process.try_wait().ok().flatten();
            if status.is_some() || Instant::now() >= deadline {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        // Ends whatever the child started too (it leads its own group), even when it has exited:
        // the group's id stays taken while any member lives, and a reaped child's id is not
        // handed out again before the kernel's process ids wrap around.
        kill_group(r.process.id());
        let status = match status {
            Some(s) => describe(s, false),
            None => r.process.wait().map(|s| describe(s, true)).unwrap_or_else(|e| format!("could not be waited for: {e}")),
        };
        // Let the standard-error reader take what was written last.
        thread::sleep(Duration::from_millis(20));
        let stderr = r.stderr.lock().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
        (status, stderr)
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(2));
    }
}

fn describe(s: ExitStatus, killed_here: bool) -> String {
    match (s.code(), s.signal()) {
        (_, Some(_)) if killed_here => "still running; it was ended".to_string(),
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "ended".to_string(),
    }
}

/// Sends SIGKILL to the process group `pid` leads.
fn kill_group(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return };
    // SAFETY: kill(2) only sends a signal; a negative pid names the group this tool started the
    // child in (`process_group(0)`), which holds only the child and what it started.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// Reads lines from the child's output, each at most [`MAX_LINE`] bytes kept, until its end.
fn read_lines(out: impl Read, tx: &SyncSender<Msg>) {
    let mut r = BufReader::new(out);
    loop {
        let mut line = Vec::new();
        let mut too_long = false;
        let ended = loop {
            let buf = match r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break true,
            };
            if buf.is_empty() {
                break true;
            }
            let (part, used, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            if !too_long && line.len() + part.len() <= MAX_LINE + 1 {
                line.extend_from_slice(part);
            } else {
                too_long = true;
                line = Vec::new();
            }
            r.consume(used);
            if done {
                break false;
            }
        };
        if ended && line.is_empty() && !too_long {
            let _ = tx.send(Msg::Eof);
            return;
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let msg = if too_long || line.len() > MAX_LINE { Msg::TooLong } else { Msg::Line(line) };
        if tx.send(msg).is_err() {
            return;
        }
        if ended {
            let _ = tx.send(Msg::Eof);
            return;
        }
    }
}
