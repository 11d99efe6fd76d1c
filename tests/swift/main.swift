// Swift conformance suite for the vodsign bindings (module VodSign): every case of
// tests/vectors/{sign,decode,verify}.json (every sign case through `signAt` with the record, then
// again through `prepare` and the PreparedSigner's `signAt`), then the binding's own behaviour
// (thrown errors and their messages, a PreparedSigner outliving its Signer, several threads
// sharing one Signer and PreparedSigners).
//
// Usage: conformance VECTOR_DIR. Prints each failure and ends with "N passed, N failed";
// exits 1 when anything failed.
import Foundation
import VodSign

var passed = 0
var failed = 0
/// Sign cases with a value the binding's types cannot hold (counted once whatever the paths).
var refusedByType = Set<String>()

/// Runs one check: `body` returns nil on success or a description of what went wrong.
func check(_ name: String, _ body: () throws -> String?) {
    let problem: String?
    do {
        problem = try body()
    } catch {
        problem = "unexpected error: \(error)"
    }
    if let problem = problem {
        failed += 1
        print("FAIL \(name): \(problem)")
    } else {
        passed += 1
    }
}

/// The vectors' error code and the message of each case (exhaustive: a new kind fails to compile).
func codeAndMessage(_ e: VodsignError) -> (String, String) {
    switch e {
    case .InvalidParameter(let m): return ("invalid_parameter", m)
    case .ValidityTooLong(let m): return ("validity_too_long", m)
    case .NotBase64(let m): return ("not_base64", m)
    case .TooShort(let m): return ("too_short", m)
    case .NotUtf8(let m): return ("not_utf8", m)
    case .MalformedQuery(let m): return ("malformed_query", m)
    case .MissingParameter(let m): return ("missing_parameter", m)
    case .NotAnInteger(let m): return ("not_an_integer", m)
    case .DuplicateParameter(let m): return ("duplicate_parameter", m)
    case .BadMac(let m): return ("bad_mac", m)
    case .Expired(let m): return ("expired", m)
    case .NotYetValid(let m): return ("not_yet_valid", m)
    case .Clock(let m): return ("clock", m)
    case .Random(let m): return ("random", m)
    }
}

/// Compares a thrown error with the vector's `error`: the case, and a message that is the
/// core's own sentence and names the parameter where the vector does.
func checkError(_ error: Error, _ want: [String: Any]) -> String? {
    guard let e = error as? VodsignError else { return "threw \(type(of: error)): \(error), not a VodsignError" }
    let (code, message) = codeAndMessage(e)
    let wantCode = want["code"] as? String ?? "?"
    if code != wantCode { return "expected \(wantCode), got \(code) (\(message))" }
    if message.isEmpty || message.hasPrefix("message=") { return "message is not the core's text: '\(message)'" }
    if let param = want["param"] as? String, !message.contains(param) {
        return "message does not name \(param): '\(message)'"
    }
    return nil
}

func expectError<T>(_ want: [String: Any], _ what: String, _ call: () throws -> T) -> String? {
    do {
        let v = try call()
        return "expected \(want["code"] ?? "?"), \(what) returned \(v)"
    } catch {
        return checkError(error, want)
    }
}

// MARK: - vectors

struct Unrepresentable: Error { let param: String }

func int(_ params: [String: Any], _ key: String) -> Int64? {
    guard let v = params[key] else { return nil }
    return (v as? NSNumber)?.int64Value
}

func u64(_ p: [String: Any], _ k: String) throws -> UInt64? {
    guard let v = int(p, k) else { return nil }
    guard v >= 0 else { throw Unrepresentable(param: k) }
    return UInt64(v)
}

func u32(_ p: [String: Any], _ k: String) throws -> UInt32? {
    guard let v = int(p, k) else { return nil }
    guard let u = UInt32(exactly: v) else { throw Unrepresentable(param: k) }
    return u
}

func u8(_ p: [String: Any], _ k: String) throws -> UInt8? {
    guard let v = int(p, k) else { return nil }
    guard let u = UInt8(exactly: v) else { throw Unrepresentable(param: k) }
    return u
}

let known: Set<String> = [
    "secretId", "currentTimeStamp", "expireTime", "random", "procedure", "classId", "oneTimeValid",
    "sourceContext", "taskPriority", "taskNotifyMode", "vodSubAppId", "sessionContext", "storageRegion",
]

struct VectorError: Error, CustomStringConvertible { let description: String }

struct SignInput {
    let secretId: String
    let cts: UInt64
    let exp: UInt64
    let random: UInt32
    let options: SignOptions
}

func signInput(_ p: [String: Any]) throws -> SignInput {
    let unknown = p.keys.filter { !known.contains($0) }
    if !unknown.isEmpty { throw VectorError(description: "unknown parameters in the vector: \(unknown)") }
    guard let secretId = p["secretId"] as? String, let cts = try u64(p, "currentTimeStamp"),
          let exp = try u64(p, "expireTime"), let random = try u32(p, "random")
    else { throw VectorError(description: "vector lacks a required parameter") }
    return SignInput(
        secretId: secretId, cts: cts, exp: exp, random: random,
        options: SignOptions(
            procedure: p["procedure"] as? String,
            classId: try u64(p, "classId"),
            oneTimeValid: try u8(p, "oneTimeValid"),
            sourceContext: p["sourceContext"] as? String,
            taskPriority: int(p, "taskPriority"),
            taskNotifyMode: p["taskNotifyMode"] as? String,
            vodSubAppId: try u64(p, "vodSubAppId"),
            sessionContext: p["sessionContext"] as? String,
            storageRegion: p["storageRegion"] as? String
        )
    )
}

func cases(_ dir: URL, _ file: String) throws -> [[String: Any]] {
    let data = try Data(contentsOf: dir.appendingPathComponent(file))
    guard let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let cases = doc["cases"] as? [[String: Any]]
    else { throw VectorError(description: "\(file) has no cases array") }
    return cases
}

/// The ways the binding signs a vector's input at a given time. Each must give the vector's
/// signature, or throw its error (from the Signer, `prepare` or the call alike).
let signPaths: [(prefix: String, what: String, sign: (Signer, SignInput) throws -> String)] = [
    ("", "signAt", { s, i in
        try s.signAt(options: i.options, currentTimeStamp: i.cts, expireTime: i.exp, random: i.random)
    }),
    ("prepared/", "prepare + PreparedSigner.signAt", { s, i in
        try s.prepare(options: i.options).signAt(currentTimeStamp: i.cts, expireTime: i.exp, random: i.random)
    }),
]

func signSuite(_ dir: URL) throws {
    for c in try cases(dir, "sign.json") { for path in signPaths {
        let name = "\(path.prefix)sign/\(c["name"] ?? "?")"
        let error = c["error"] as? [String: Any]
        check(name) {
            let input: SignInput
            do {
                input = try signInput(c["params"] as? [String: Any] ?? [:])
            } catch let u as Unrepresentable {
                // The value cannot even be written in Swift's types, so the API refuses it.
                // Only a case that expects an invalid_parameter refusal passes (its param may be an
                // earlier one, as in order-secretId-before-random, that the core would name first).
                guard let error = error else { return "valid case, but \(u.param) does not fit the binding's type" }
                guard error["code"] as? String == "invalid_parameter" else {
                    return "expects \(error), but \(u.param) does not fit the binding's type"
                }
                refusedByType.insert("\(c["name"] ?? "?")")
                return nil
            }
            let key = c["secretKey"] as? String ?? ""
            if let error = error {
                return expectError(error, path.what) { try path.sign(Signer(secretId: input.secretId, secretKey: key), input) }
            }
            let sig = try path.sign(Signer(secretId: input.secretId, secretKey: key), input)
            if sig != c["signature"] as? String { return "signature\n  got  \(sig)\n  want \(c["signature"] ?? "")" }
            if try decode(signature: sig).original != c["original"] as? String { return "decoded original differs" }
            return nil
        }
    } }
}

/// The typed fields of a decoded signature agree with its parameter list.
func typedMismatch(_ d: DecodedSignature) -> String? {
    var byKey: [String: String] = [:]
    for p in d.params { byKey[p.key] = p.value }
    // Integers compared as decimal text without leading zeros or "+"; an empty optional
    // integer is not set.
    func norm(_ s: String?) -> String? {
        guard let s = s, !s.isEmpty else { return nil }
        let neg = s.hasPrefix("-")
        var digits = String(s.drop(while: { $0 == "-" }).drop(while: { $0 == "0" }))
        if digits.isEmpty { digits = "0" }
        return neg && digits != "0" ? "-" + digits : digits
    }
    let pairs: [(String, String?, String?)] = [
        ("secretId", d.secretId, byKey["secretId"]),
        ("currentTimeStamp", String(d.currentTimeStamp), norm(byKey["currentTimeStamp"])),
        ("expireTime", String(d.expireTime), norm(byKey["expireTime"])),
        ("random", String(d.random), norm(byKey["random"])),
        ("procedure", d.procedure, byKey["procedure"]),
        ("classId", d.classId.map { String($0) }, norm(byKey["classId"])),
        ("oneTimeValid", d.oneTimeValid.map { String($0) }, norm(byKey["oneTimeValid"])),
        ("sourceContext", d.sourceContext, byKey["sourceContext"]),
        ("taskPriority", d.taskPriority.map { String($0) }, norm(byKey["taskPriority"])),
        ("taskNotifyMode", d.taskNotifyMode, byKey["taskNotifyMode"]),
        ("vodSubAppId", d.vodSubAppId.map { String($0) }, norm(byKey["vodSubAppId"])),
        ("sessionContext", d.sessionContext, byKey["sessionContext"]),
        ("storageRegion", d.storageRegion, byKey["storageRegion"]),
    ]
    for (k, typed, listed) in pairs where typed != listed {
        return "typed \(k) is \(typed ?? "nil"), the parameter list says \(listed ?? "nil")"
    }
    return nil
}

func decodeSuite(_ dir: URL) throws {
    for c in try cases(dir, "decode.json") {
        let name = "decode/\(c["name"] ?? "?")"
        let sig = c["signature"] as? String ?? ""
        check(name) {
            if let error = c["error"] as? [String: Any] {
                return expectError(error, "decode") { try decode(signature: sig) }
            }
            let d = try decode(signature: sig)
            let want = (c["params"] as? [[String]] ?? []).map { $0.joined(separator: "\u{0}") }
            let got = d.params.map { $0.key + "\u{0}" + $0.value }
            if d.macHex != c["mac"] as? String { return "mac \(d.macHex), want \(c["mac"] ?? "")" }
            if d.original != c["original"] as? String { return "original\n  got  \(d.original)\n  want \(c["original"] ?? "")" }
            if got != want { return "params\n  got  \(d.params)\n  want \(c["params"] ?? "")" }
            guard let wantWarnings = c["warnings"] as? [String] else { return "the case has no warnings list" }
            let gotWarnings = d.warnings.map { $0.code }
            if gotWarnings != wantWarnings { return "warnings \(gotWarnings), want \(wantWarnings)" }
            if d.warnings.contains(where: { $0.message.isEmpty || ($0.param == nil) != ($0.code == "validity_too_long") }) {
                return "a warning lacks a message or has the wrong param: \(d.warnings)"
            }
            return typedMismatch(d)
        }
    }
}

func verifySuite(_ dir: URL) throws {
    for c in try cases(dir, "verify.json") {
        let name = "verify/\(c["name"] ?? "?")"
        let sig = c["signature"] as? String ?? ""
        let key = c["secretKey"] as? String ?? ""
        let now = UInt64(int(c, "now") ?? 0)
        let skew = UInt64(int(c, "skew") ?? 300)
        check(name) {
            if c["valid"] as? Bool == true {
                let d = try verify(signature: sig, secretKey: key, now: now, skew: skew)
                let viaObject = try Verifier(secretKey: key, skew: skew).verify(signature: sig, now: now)
                let want = UInt64(int(c, "secondsLeft") ?? -1)
                if d != viaObject { return "verify() and Verifier.verify() disagree" }
                let left = try secondsLeft(signature: sig, now: now)
                if left != want { return "secondsLeft \(left), want \(want)" }
                return nil
            }
            let error = c["error"] as? [String: Any] ?? [:]
            return expectError(error, "verify") { try verify(signature: sig, secretKey: key, now: now, skew: skew) }
                ?? expectError(error, "Verifier.verify") { try Verifier(secretKey: key, skew: skew).verify(signature: sig, now: now) }
        }
    }
}

// MARK: - the binding itself

let seedSignature =
    "j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0="
let seedOptions = SignOptions(procedure: "", classId: 0, oneTimeValid: 0, sourceContext: "")

func bindingSuite(_ dir: URL) throws {
    check("binding/defaults") {
        let o = SignOptions()
        return o.validity == 86_400 && o.procedure == nil && o.storageRegion == nil ? nil : "SignOptions() defaults: \(o)"
    }
    check("binding/seed-signature") {
        let s = try Signer(secretId: "IamSecretId", secretKey: "IamSecretKey")
        let a = try s.signAt(options: seedOptions, currentTimeStamp: 1571215095, expireTime: 1571301495, random: 220625)
        let b = try Signer.withKeyBytes(secretId: "IamSecretId", secretKey: Data("IamSecretKey".utf8))
            .signAt(options: seedOptions, currentTimeStamp: 1571215095, expireTime: 1571301495, random: 220625)
        if a != seedSignature { return "signAt gave \(a)" }
        if b != seedSignature { return "withKeyBytes gave \(b)" }
        return s.secretId() == "IamSecretId" ? nil : "secretId() is \(s.secretId())"
    }
    check("binding/thrown-error-case") {
        do {
            _ = try decode(signature: "not base64!")
            return "decode accepted garbage"
        } catch VodsignError.NotBase64(let message) {
            return message.isEmpty ? "empty message" : nil
        } catch {
            return "threw \(error), not VodsignError.NotBase64"
        }
    }
    check("binding/localized-description") {
        do {
            _ = try verify(signature: seedSignature, secretKey: "another key", now: 1571215100)
            return "verified with the wrong key"
        } catch {
            // errorDescription (LocalizedError) carries the case and the core's message.
            let text = error.localizedDescription
            return text.contains("BadMac") && text.contains("MAC") ? nil : "localizedDescription is '\(text)'"
        }
    }
    check("binding/empty-secret-id") {
        expectError(["code": "invalid_parameter", "param": "secretId"], "Signer()") { try Signer(secretId: "", secretKey: "k") }
    }
    check("binding/empty-secret-key") {
        expectError(["code": "invalid_parameter", "param": "secretKey"], "Signer()") { try Signer(secretId: "id", secretKey: "") }
    }
    // Verification refuses the empty key as signing does: the same error case and message.
    check("binding/empty-secret-key-verify") {
        var signing = ""
        do {
            _ = try Signer(secretId: "id", secretKey: "")
            return "Signer accepted the empty key"
        } catch VodsignError.InvalidParameter(let m) {
            signing = m
        }
        let calls: [(String, () throws -> Any)] = [
            ("verify()", { try verify(signature: seedSignature, secretKey: "", now: 1571215100) }),
            ("Verifier()", { try Verifier(secretKey: "", skew: 300).verify(signature: seedSignature, now: 1571215100) }),
            ("Verifier.withKeyBytes()", { try Verifier.withKeyBytes(secretKey: Data(), skew: 300) }),
        ]
        for (what, call) in calls {
            do {
                return "\(what) returned \(try call())"
            } catch VodsignError.InvalidParameter(let m) {
                if m != signing { return "\(what): '\(m)', Signer: '\(signing)'" }
            } catch {
                return "\(what) threw \(error)"
            }
        }
        return nil
    }
    // validity is checked when signing with it, after the options were prepared.
    check("binding/validity-zero") {
        let s = try Signer(secretId: "id", secretKey: "k")
        let want = ["code": "invalid_parameter", "param": "validity"]
        return expectError(want, "sign") { try s.sign(options: SignOptions(validity: 0)) }
            ?? expectError(want, "PreparedSigner.sign") { try s.prepare(options: SignOptions(validity: 0)).sign() }
    }
    check("binding/validity-too-long") {
        let s = try Signer(secretId: "id", secretKey: "k")
        let want = ["code": "validity_too_long"]
        return expectError(want, "sign") { try s.sign(options: SignOptions(validity: 7_776_001)) }
            ?? expectError(want, "PreparedSigner.sign") { try s.prepare(options: SignOptions(validity: 7_776_001)).sign() }
    }
    check("binding/prepared-round-trip") {
        let o = SignOptions(procedure: "P", classId: 3, taskPriority: -2, storageRegion: "ap-chongqing", validity: 600)
        let p = try Signer(secretId: "IamSecretId", secretKey: "IamSecretKey").prepare(options: o)
        if p.options() != o { return "options() gave \(p.options()), prepared from \(o)" }
        return p.secretId() == "IamSecretId" ? nil : "secretId() is \(p.secretId())"
    }
    check("binding/prepare-refused") {
        let s = try Signer(secretId: "id", secretKey: "k")
        return expectError(["code": "invalid_parameter", "param": "sourceContext"], "prepare") {
            try s.prepare(options: SignOptions(sourceContext: String(repeating: "x", count: 251)))
        }
    }
    check("binding/prepared-outlives-signer") {
        // The Signer is freed (its last reference gone) before the PreparedSigner signs.
        weak var freed: Signer?
        let p: PreparedSigner = try {
            let s = try Signer(secretId: "IamSecretId", secretKey: "IamSecretKey")
            freed = s
            return try s.prepare(options: SignOptions(procedure: "LongVideoPreset", validity: 600))
        }()
        if freed != nil { return "the Signer is still alive" }
        let at = try p.signAt(currentTimeStamp: 1571215095, expireTime: 1571301495, random: 220625)
        let d = try verify(signature: try p.sign(), secretKey: "IamSecretKey", now: try unixNow())
        if try verify(signature: at, secretKey: "IamSecretKey", now: 1571215095).procedure != "LongVideoPreset" { return "signAt gave \(at)" }
        return d.procedure == "LongVideoPreset" && d.expireTime - d.currentTimeStamp == 600 ? nil : "sign gave \(d)"
    }
    check("binding/sign-now-then-verify") {
        let s = try Signer(secretId: "AKIDexample", secretKey: "the-secret-key")
        let options = SignOptions(procedure: "LongVideoPreset", oneTimeValid: 1, validity: 600)
        let sig = try s.sign(options: options)
        let viaPrepared = try s.prepare(options: options).sign()
        let now = try unixNow()
        let d = try verify(signature: sig, secretKey: "the-secret-key", now: now)
        let p = try verify(signature: viaPrepared, secretKey: "the-secret-key", now: now)
        if p.expireTime - p.currentTimeStamp != 600 || p.procedure != "LongVideoPreset" { return "PreparedSigner.sign gave \(p)" }
        let v = try Verifier.withKeyBytes(secretKey: Data("the-secret-key".utf8)).verify(signature: sig, now: now)
        if d != v { return "verify() and Verifier.withKeyBytes disagree" }
        if d.expireTime - d.currentTimeStamp != 600 { return "window is \(d.expireTime - d.currentTimeStamp)" }
        if d.procedure != "LongVideoPreset" || d.oneTimeValid != 1 { return "decoded \(d)" }
        let left = try secondsLeft(signature: sig, now: now)
        return (590...600).contains(left) ? nil : "secondsLeft \(left)"
    }
    check("binding/threads-share-one-signer") { try threads(dir) }
}

/// 8 threads share one Signer (and one Verifier) and sign every valid vector of its secretId/key,
/// with the record and with the vector's PreparedSigner, which the threads share too.
func threads(_ dir: URL) throws -> String? {
    let signer = try Signer(secretId: "IamSecretId", secretKey: "IamSecretKey")
    let work: [(SignInput, String, PreparedSigner)] = try cases(dir, "sign.json").compactMap { c in
        guard c["error"] == nil, c["secretKey"] as? String == "IamSecretKey",
              let p = c["params"] as? [String: Any], p["secretId"] as? String == "IamSecretId",
              let sig = c["signature"] as? String
        else { return nil }
        let input = try signInput(p)
        return (input, sig, try signer.prepare(options: input.options))
    }
    if work.count < 10 { return "only \(work.count) vectors to share" }
    let verifier = try Verifier(secretKey: "IamSecretKey", skew: 300)
    final class Problems: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ p: String) { lock.lock(); list.append(p); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
    }
    let problems = Problems()
    let done = DispatchGroup()
    let start = DispatchSemaphore(value: 0)
    let count = 8, rounds = 25
    for t in 0..<count {
        done.enter()
        let thread = Thread {
            start.wait()
            do {
                for r in 0..<rounds {
                    for i in 0..<work.count {
                        let (input, want, prepared) = work[(i + t * 7 + r) % work.count]
                        let got = try signer.signAt(options: input.options, currentTimeStamp: input.cts,
                                                    expireTime: input.exp, random: input.random)
                        if got != want { throw VectorError(description: "thread \(t) got \(got), want \(want)") }
                        let viaPrepared = try prepared.signAt(currentTimeStamp: input.cts, expireTime: input.exp, random: input.random)
                        if viaPrepared != want { throw VectorError(description: "thread \(t) PreparedSigner.signAt got \(viaPrepared)") }
                        _ = try verifier.verify(signature: got, now: input.cts)
                    }
                    let fresh = try signer.sign(options: SignOptions(validity: 60))
                    _ = try verifier.verify(signature: fresh, now: try unixNow())
                }
            } catch {
                problems.add("\(error)")
            }
            done.leave()
        }
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    if done.wait(timeout: .now() + 120) == .timedOut { return "threads did not finish within 120 s" }
    let all = problems.all
    return all.isEmpty ? nil : "\(all.count) thread(s) failed; first: \(all[0])"
}

// MARK: - main

let dir = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "tests/vectors")
for f in ["sign.json", "decode.json", "verify.json"] where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path) {
    print("FAIL vectors: \(dir.appendingPathComponent(f).path) is missing")
    failed += 1
}
if failed == 0 {
    do {
        try signSuite(dir)
        try decodeSuite(dir)
        try verifySuite(dir)
        try bindingSuite(dir)
    } catch {
        print("FAIL vectors: \(error)")
        failed += 1
    }
}
if !refusedByType.isEmpty {
    print("note: \(refusedByType.count) sign case(s) hold a value that Swift's unsigned types cannot express; counted as refused")
}
print("\(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
