//! The secure random generator works on a Linux kernel without the getrandom(2) system call (old
//! Android devices): a child process of this test refuses that call with ENOSYS through a seccomp
//! filter, and signing there must still get its `random` (from /dev/urandom).
//!
//! The filter models such a kernel only where libc's getrandom() makes the system call for every
//! request. glibc 2.41 and later answer from the kernel's vDSO (Linux 6.11 and later): there the
//! `getrandom` crate's probe (a zero-length request, answered without a system call) succeeds and
//! the first real request fails with ENOSYS when the vDSO reseeds through the blocked call. A
//! kernel without getrandom(2) has no such vDSO, so the case cannot happen on a real device; the
//! test then asserts that signing is refused with a typed `random` error, never a panic and never
//! a signature without a random value.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::process::Command;

const TEST: &str = "random_works_without_the_getrandom_system_call";
const CHILD: &str = "VODSIGN_TEST_NO_GETRANDOM_CHILD";
const FALLBACK_OK: &str = "child: random without getrandom(2) ok";
const VDSO_REFUSED: &str = "child: libc getrandom() answers from the vDSO; signing refused with a random error";

/// Makes getrandom(2) fail with ENOSYS on the calling thread (and threads it starts later).
fn refuse_getrandom() {
    const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
    const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
    const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
    let stmt = |code: u16, k: u32| libc::sock_filter { code, jt: 0, jf: 0, k };
    let jump = |code: u16, k: u32, jt: u8, jf: u8| libc::sock_filter { code, jt, jf, k };
    // BPF: load arch; not x86_64: allow. Load the call number; getrandom: ENOSYS; else allow.
    let filter = [
        stmt(0x20, 4),                             // ld [arch]
        jump(0x15, AUDIT_ARCH_X86_64, 0, 3),       // jeq x86_64
        stmt(0x20, 0),                             // ld [nr]
        jump(0x15, libc::SYS_getrandom as u32, 0, 1), // jeq getrandom
        stmt(0x06, SECCOMP_RET_ERRNO | libc::ENOSYS as u32),
        stmt(0x06, SECCOMP_RET_ALLOW),
    ];
    let prog = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr().cast_mut() };
    // SAFETY: plain prctl calls; `prog` and `filter` outlive the call, which copies them.
    unsafe {
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0, "PR_SET_NO_NEW_PRIVS");
        assert_eq!(
            libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog as *const libc::sock_fprog),
            0,
            "PR_SET_SECCOMP: {}",
            std::io::Error::last_os_error()
        );
    }
}

fn child() {
    refuse_getrandom();
    // The filter works: the system call itself now fails with ENOSYS.
    let mut b = [0u8; 4];
    // SAFETY: writes at most 4 bytes to `b`.
    let n = unsafe { libc::syscall(libc::SYS_getrandom, b.as_mut_ptr(), b.len(), 0) };
    assert_eq!((n, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::ENOSYS)));

    // SAFETY: a zero-length request writes nothing; this is the `getrandom` crate's own probe.
    let probe = unsafe { libc::getrandom(std::ptr::dangling_mut(), 0, 0) };
    if probe == 0 {
        // libc answered from the vDSO: see the module documentation.
        let err = vodsign::random_u32().unwrap_err();
        assert_eq!(err.kind(), vodsign::ErrorKind::Random, "{err}");
        let signer = vodsign::Signer::new("AKIDexample", b"key").unwrap();
        let err = signer.sign(&vodsign::Options::new()).unwrap_err();
        assert_eq!(err.kind(), vodsign::ErrorKind::Random, "{err}");
        println!("{VDSO_REFUSED}");
        return;
    }
    let draws: Vec<u32> = (0..32).map(|_| vodsign::random_u32().unwrap()).collect();
    assert_eq!(draws.iter().fold(0, |a, d| a | d), u32::MAX, "{draws:?}");
    let signer = vodsign::Signer::new("AKIDexample", b"key").unwrap();
    let sig = signer.sign(&vodsign::Options::new()).unwrap();
    assert!(vodsign::verify(&sig, b"key", vodsign::unix_now().unwrap()).is_ok());
    println!("{FALLBACK_OK}");
}

#[test]
fn random_works_without_the_getrandom_system_call() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && (stdout.contains(FALLBACK_OK) || stdout.contains(VDSO_REFUSED)),
        "child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}
