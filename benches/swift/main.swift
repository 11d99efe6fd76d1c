// Swift benchmark for `./build.sh bench`: signatures per second on one core through the
// generated uniffi binding (module VodSign, `PreparedSigner.signAt` on a PreparedSigner made once
// with `Signer.prepare`), on the inputs of benches/inputs.json. Built with -O by scripts/bench.sh inside the
// Swift toolchain's root.
//
// Same method as benches/rust.rs: a warm-up of 300 ms, then 9 timed samples of 200 ms (calls in
// batches of 64), median quoted. Prints `SIGNATURE swift_uniffi <signature>`, then
// `BENCH swift_uniffi <per-second> <median-ns-per-op>` on stdout, and a readable line with the
// spread on stderr.
//
// Usage: bench INPUTS_JSON [--diagnose]   (--diagnose adds measurements of the binding's own cost)

import Foundation
import VodSign

let samples = 9
let sampleNs: UInt64 = 200_000_000
let warmUpNs: UInt64 = 300_000_000

func nowNs() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

var sink = 0

/// Runs `f` in batches until `time` ns pass; returns ns per operation.
func runFor(_ time: UInt64, _ f: () throws -> String) rethrows -> Double {
    let start = nowNs()
    var ops: UInt64 = 0
    var t: UInt64
    repeat {
        for _ in 0..<64 { sink &+= try f().utf8.count }
        ops += 64
        t = nowNs()
    } while t - start < time
    return Double(t - start) / Double(ops)
}

func bench(_ name: String, _ f: () throws -> String) rethrows {
    _ = try runFor(warmUpNs, f)
    var ns: [Double] = []
    for _ in 0..<samples { ns.append(try runFor(sampleNs, f)) }
    ns.sort()
    let median = ns[samples / 2]
    let spread = (ns[samples - 1] - ns[0]) / median * 100
    print("BENCH \(name) \(String(format: "%.0f", 1e9 / median)) \(String(format: "%.1f", median))")
    FileHandle.standardError.write(
        (name.padding(toLength: 32, withPad: " ", startingAt: 0)
            + String(format: " %12.0f /s   median %8.1f ns   spread %.1f%%\n", 1e9 / median, median, spread)).data(using: .utf8)!)
}

let args = CommandLine.arguments
let diagnose = args.contains("--diagnose")
guard args.count >= 2,
      let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: args[1]))) as? [String: Any],
      let secretId = doc["secretId"] as? String, let secretKey = doc["secretKey"] as? String,
      let cts = (doc["currentTimeStamp"] as? NSNumber)?.uint64Value, let exp = (doc["expireTime"] as? NSNumber)?.uint64Value,
      let random = (doc["random"] as? NSNumber)?.uint32Value, let procedure = doc["procedure"] as? String,
      let classId = (doc["classId"] as? NSNumber)?.uint64Value, let oneTimeValid = (doc["oneTimeValid"] as? NSNumber)?.uint8Value,
      let sourceContext = doc["sourceContext"] as? String
else {
    FileHandle.standardError.write("usage: bench INPUTS_JSON (with every field of benches/inputs.json)\n".data(using: .utf8)!)
    exit(2)
}

let signer = try Signer(secretId: secretId, secretKey: secretKey)
let options = SignOptions(procedure: procedure, classId: classId, oneTimeValid: oneTimeValid, sourceContext: sourceContext)
let prepared = try signer.prepare(options: options)
let viaPrepared = try prepared.signAt(currentTimeStamp: cts, expireTime: exp, random: random)
let viaRecord = try signer.signAt(options: options, currentTimeStamp: cts, expireTime: exp, random: random)
// The run compares this with the Node reference's; both paths must give it.
print("SIGNATURE swift_uniffi \(viaPrepared == viaRecord ? viaPrepared : "differs-between-PreparedSigner-and-Signer.signAt")")
try bench("swift_uniffi") { try prepared.signAt(currentTimeStamp: cts, expireTime: exp, random: random) }
if diagnose {
    // Where the binding's time goes: the record converted on every call (signAt), the same with
    // no optional parameter (a shorter record), no optional parameter through a PreparedSigner
    // (against rust_signer_no_options: the fixed cost of the call), and a call that does next
    // to nothing in Rust (the fixed cost of a uniffi call that returns a string).
    try bench("swift_uniffi_record") { try signer.signAt(options: options, currentTimeStamp: cts, expireTime: exp, random: random) }
    let none = SignOptions()
    try bench("swift_uniffi_no_options") { try signer.signAt(options: none, currentTimeStamp: cts, expireTime: exp, random: random) }
    let preparedNone = try signer.prepare(options: none)
    try bench("swift_uniffi_prepared_no_options") { try preparedNone.signAt(currentTimeStamp: cts, expireTime: exp, random: random) }
    bench("swift_uniffi_secret_id") { signer.secretId() }
}
if sink == 0 { exit(1) }
