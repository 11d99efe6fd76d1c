// Kotlin benchmarks for `./build.sh bench`: signatures per second on one core through the
// generated uniffi/JNA binding (com.vodsign.Signer) and through the fast path
// (com.vodsign.fast.FastSigner), on the inputs of benches/inputs.json.
//
// Same method as benches/rust.rs: a warm-up (1 s, for the JIT), then 9 timed samples of 200 ms,
// median quoted.
// Prints `SIGNATURE kotlin_uniffi <signature>`, then `BENCH <name> <per-second> <median-ns-per-op>`
// lines (stdout) for scripts/bench.sh, and a readable line with the spread on stderr.
//
// Usage: java -cp bench.jar:vodsign.jar:jna.jar:kotlin-stdlib.jar com.vodsign.bench.BenchKt INPUTS_JSON [--diagnose]
// --diagnose adds the measurements that show where the uniffi call's time goes.
package com.vodsign.bench

import com.sun.jna.Memory
import com.sun.jna.Pointer
import com.sun.jna.Structure
import com.vodsign.SignOptions
import com.vodsign.Signer
import com.vodsign.conformance.Json
import com.vodsign.decode
import com.vodsign.fast.FastOptions
import com.vodsign.fast.FastSigner
import com.vodsign.unixNow
import java.io.File

private const val SAMPLES = 9
private const val SAMPLE_NS = 200_000_000L
private const val WARM_UP_NS = 1_000_000_000L // the JIT needs longer than Rust's 300 ms

@Volatile private var sink: Any? = null

/** The layout of uniffi's RustBuffer (capacity, len, data). */
@Structure.FieldOrder("capacity", "len", "data")
open class RustBufferShape : Structure() {
    @JvmField var capacity: Long = 0
    @JvmField var len: Long = 0
    @JvmField var data: Pointer? = null

    class ByValue : RustBufferShape(), Structure.ByValue
}

/** The layout of uniffi's call status (code, error_buf), allocated once per uniffi native call. */
@Structure.FieldOrder("code", "error_buf")
open class CallStatusShape : Structure() {
    @JvmField var code: Byte = 0
    @JvmField var error_buf: RustBufferShape.ByValue = RustBufferShape.ByValue()
}

/** Runs `f` in batches until `time` ns pass; returns ns per operation. */
private inline fun runFor(timeNs: Long, f: () -> Any?): Double {
    val start = System.nanoTime()
    var ops = 0L
    var last: Any? = null
    var now: Long
    do {
        for (i in 0 until 64) last = f()
        ops += 64
        now = System.nanoTime()
    } while (now - start < timeNs)
    sink = last
    return (now - start).toDouble() / ops
}

private fun bench(name: String, f: () -> Any?) {
    val only = System.getenv("VODSIGN_BENCH_FILTER")
    if (only != null && !name.contains(only)) return
    // Let the collector and JNA's cleaner thread (busy after the uniffi benchmarks, which
    // allocate JNA memory on every call) finish before this benchmark, on this same core.
    System.gc()
    Thread.sleep(300)
    runFor(WARM_UP_NS, f)
    val ns = DoubleArray(SAMPLES) { runFor(SAMPLE_NS, f) }.sorted()
    val median = ns[SAMPLES / 2]
    val spread = (ns.last() - ns.first()) / median * 100
    println("BENCH $name ${"%.0f".format(1e9 / median)} ${"%.1f".format(median)}")
    System.err.println("%-24s %12.0f /s   median %8.1f ns   spread %.1f%%".format(name, 1e9 / median, median, spread))
}

fun main(args: Array<String>) {
    @Suppress("UNCHECKED_CAST")
    val v = Json.parse(File(args[0]).readText(Charsets.UTF_8)) as Map<String, Any?>
    val diagnose = args.contains("--diagnose")
    val secretId = v["secretId"] as String
    val secretKey = v["secretKey"] as String
    val cts = (v["currentTimeStamp"] as Long).toULong()
    val exp = (v["expireTime"] as Long).toULong()
    val random = (v["random"] as Long).toUInt()
    val options = SignOptions(
        procedure = v["procedure"] as String,
        classId = (v["classId"] as Long).toULong(),
        oneTimeValid = (v["oneTimeValid"] as Long).toUByte(),
        sourceContext = v["sourceContext"] as String,
    )

    Signer(secretId, secretKey).use { signer ->
        FastSigner(secretId, secretKey).use { fast ->
            FastOptions(options).use { prepared ->
                val want = signer.signAt(options, cts, exp, random)
                check(fast.signAt(options, cts, exp, random) == want) { "the fast path signs differently" }
                check(fast.signAt(prepared, cts, exp, random) == want) { "the fast path (prepared) signs differently" }
                // The signature every benchmark must produce (scripts/bench.sh compares them).
                println("SIGNATURE kotlin_uniffi $want")

                // The fast path with the same options record each call (its native copy is reused).
                bench("kotlin_fast") { fast.signAt(options, cts, exp, random) }
                if (diagnose) {
                    // Fast path, options converted beforehand: one native call per signature.
                    bench("kotlin_fast_prepared") { fast.signAt(prepared, cts, exp, random) }
                    // Fast path with a new (equal) record every call: converted every call.
                    bench("kotlin_fast_new_record") { fast.signAt(options.copy(), cts, exp, random) }
                }
                // The generated uniffi/JNA binding, options record built once.
                bench("kotlin_uniffi") { signer.signAt(options, cts, exp, random) }

                if (diagnose) {
                    // uniffi with no optional parameter (a shorter record and a shorter result).
                    val none = SignOptions()
                    bench("kotlin_uniffi_no_options") { signer.signAt(none, cts, exp, random) }
                    // uniffi calls that do next to nothing in Rust: the binding's fixed cost.
                    bench("kotlin_uniffi_secret_id") { signer.secretId() }
                    bench("kotlin_uniffi_unix_now") { unixNow() }
                    // uniffi decode: a string in, a large record out.
                    bench("kotlin_uniffi_decode") { decode(want) }
                    // What each of those native calls allocates: a JNA Structure of the shape of
                    // uniffi's call status (a byte and a RustBuffer), itself JNA Memory with a cleaner.
                    bench("kotlin_jna_call_status") { CallStatusShape() }
                    bench("kotlin_jna_memory") { Memory(24) }
                }
            }
        }
    }
}
