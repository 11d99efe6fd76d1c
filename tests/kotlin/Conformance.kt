// Kotlin conformance suite for the vodsign bindings: every case of tests/vectors/{sign,decode,verify}.json
// (each sign case through `signAt` with the record, then through `prepare` and the PreparedSigner's
// `signAt`), then the binding's own behaviour (exception classes and messages, threads, close, the
// PreparedSigner's life), then the fast path com.vodsign.fast.FastSigner (bindings/kotlin-fast/): every sign
// vector again through both paths (its `prepare` gives a FastPreparedSigner), the same exceptions
// and messages as the generated Signer, threads sharing one FastSigner and one of its
// PreparedSigners, close; then FastContract.kt (closed objects, lone surrogates, status codes
// against include/vodsign.h, the check that one copy of the library is mapped).
//
// Usage: java -Dvodsign.header=include/vodsign.h -cp tests.jar:vodsign.jar:jna.jar:kotlin-stdlib.jar \
//            com.vodsign.conformance.ConformanceKt VECTOR_DIR
// Prints each failure and ends with "N passed, N failed"; exits 1 when anything failed.
package com.vodsign.conformance

import com.vodsign.DecodedSignature
import com.vodsign.PreparedSigner
import com.vodsign.SignOptions
import com.vodsign.Signer
import com.vodsign.SignerInterface
import com.vodsign.Verifier
import com.vodsign.VodsignException
import com.vodsign.decode
import com.vodsign.fast.FastOptions
import com.vodsign.fast.FastPreparedSigner
import com.vodsign.fast.FastSigner
import com.vodsign.secondsLeft
import com.vodsign.unixNow
import com.vodsign.verify
import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import kotlin.system.exitProcess

private var passed = 0
private var failed = 0
/** Sign cases with a value the binding's types cannot hold (counted once whatever the paths). */
private val refusedByType = HashSet<String>()

/** Runs one check: `body` returns null on success or a description of what went wrong. */
internal fun case(name: String, body: () -> String?) {
    val problem = try {
        body()
    } catch (e: Throwable) {
        "unexpected ${e.javaClass.name}: ${e.message}"
    }
    if (problem == null) {
        passed++
    } else {
        failed++
        println("FAIL $name: $problem")
    }
}

/** The vectors' error code for each exception class (exhaustive: a new kind fails to compile). */
internal fun code(e: VodsignException): String = when (e) {
    is VodsignException.InvalidParameter -> "invalid_parameter"
    is VodsignException.ValidityTooLong -> "validity_too_long"
    is VodsignException.NotBase64 -> "not_base64"
    is VodsignException.TooShort -> "too_short"
    is VodsignException.NotUtf8 -> "not_utf8"
    is VodsignException.MalformedQuery -> "malformed_query"
    is VodsignException.MissingParameter -> "missing_parameter"
    is VodsignException.NotAnInteger -> "not_an_integer"
    is VodsignException.DuplicateParameter -> "duplicate_parameter"
    is VodsignException.BadMac -> "bad_mac"
    is VodsignException.Expired -> "expired"
    is VodsignException.NotYetValid -> "not_yet_valid"
    is VodsignException.Clock -> "clock"
    is VodsignException.Random -> "random"
}

/**
 * Compares a thrown exception with the vector's `error`: the class, and a message that is the
 * core's own sentence (not uniffi's field list) and names the parameter where the vector does.
 */
private fun checkError(e: VodsignException, error: Map<*, *>): String? {
    val want = error["code"] as String
    val got = code(e)
    if (got != want) return "expected $want, got $got (${e.message})"
    val msg = e.message ?: return "exception has no message"
    if (msg.isBlank() || msg.startsWith("message=")) return "message is not the core's text: '$msg'"
    val param = error["param"] as String?
    if (param != null && !msg.contains(param)) return "message does not name $param: '$msg'"
    return null
}

private fun expectError(error: Map<*, *>, what: String, call: () -> Any?): String? =
    try {
        val v = call()
        "expected ${error["code"]}, $what returned $v"
    } catch (e: VodsignException) {
        checkError(e, error)
    }

/** A vector value the binding's types cannot hold (negative for an unsigned type, too large). */
private class Unrepresentable(val param: String) : Exception("$param does not fit the binding's type")

private fun long(params: Map<*, *>, key: String): Long? = when (val v = params[key]) {
    null -> null
    is Long -> v
    else -> throw IllegalArgumentException("$key is not an integer in the vector: $v")
}

private fun u64(params: Map<*, *>, key: String): ULong? =
    long(params, key)?.let { if (it < 0) throw Unrepresentable(key) else it.toULong() }

private fun u32(params: Map<*, *>, key: String): UInt? =
    long(params, key)?.let { if (it < 0 || it > 0xFFFF_FFFFL) throw Unrepresentable(key) else it.toUInt() }

private fun u8(params: Map<*, *>, key: String): UByte? =
    long(params, key)?.let { if (it < 0 || it > 255) throw Unrepresentable(key) else it.toUByte() }

private val KNOWN = setOf(
    "secretId", "currentTimeStamp", "expireTime", "random", "procedure", "classId", "oneTimeValid",
    "sourceContext", "taskPriority", "taskNotifyMode", "vodSubAppId", "sessionContext", "storageRegion",
)

private class SignInput(val secretId: String, val cts: ULong, val exp: ULong, val random: UInt, val options: SignOptions)

private fun signInput(params: Map<*, *>): SignInput {
    val unknown = params.keys.filter { it !in KNOWN }
    require(unknown.isEmpty()) { "unknown parameters in the vector: $unknown" }
    return SignInput(
        secretId = params["secretId"] as String,
        cts = u64(params, "currentTimeStamp")!!,
        exp = u64(params, "expireTime")!!,
        random = u32(params, "random")!!,
        options = SignOptions(
            procedure = params["procedure"] as String?,
            classId = u64(params, "classId"),
            oneTimeValid = u8(params, "oneTimeValid"),
            sourceContext = params["sourceContext"] as String?,
            taskPriority = long(params, "taskPriority"),
            taskNotifyMode = params["taskNotifyMode"] as String?,
            vodSubAppId = u64(params, "vodSubAppId"),
            sessionContext = params["sessionContext"] as String?,
            storageRegion = params["storageRegion"] as String?,
        ),
    )
}

/**
 * A way a signer signs a vector's input at a given time: each must give the vector's signature,
 * or throw its error (from the signer, `prepare` or the call alike). `prefix` starts
 * the case names.
 */
private class SignPath(val prefix: String, val what: String, val sign: (SignerInterface, SignInput) -> String)

private val SIGN_PATHS = listOf(
    SignPath("", "signAt") { s, i -> s.signAt(i.options, i.cts, i.exp, i.random) },
    SignPath("prepared/", "prepare + PreparedSigner.signAt") { s, i ->
        s.prepare(i.options).use { it.signAt(i.cts, i.exp, i.random) }
    },
)

@Suppress("UNCHECKED_CAST")
private fun cases(dir: File, file: String): List<Map<String, Any?>> {
    val doc = Json.parse(File(dir, file).readText(Charsets.UTF_8)) as Map<String, Any?>
    return doc["cases"] as List<Map<String, Any?>>
}

private fun signSuite(dir: File) {
    for (c in cases(dir, "sign.json")) for (path in SIGN_PATHS) {
        val name = "${path.prefix}sign/${c["name"]}"
        val error = c["error"] as Map<*, *>?
        case(name) {
            val input = try {
                signInput(c["params"] as Map<*, *>)
            } catch (u: Unrepresentable) {
                // The value cannot even be written in Kotlin's types, so the API refuses it.
                // Only a case that expects an invalid_parameter refusal passes (its param may be an
                // earlier one, as in order-secretId-before-random, that the core would name first).
                return@case when {
                    error == null -> "valid case, but ${u.message}"
                    error["code"] != "invalid_parameter" -> "expects $error, but ${u.message}"
                    else -> { refusedByType.add(c["name"] as String); null }
                }
            }
            val key = c["secretKey"] as String
            if (error != null) {
                expectError(error, path.what) { Signer(input.secretId, key).use { path.sign(it, input) } }
            } else {
                val sig = Signer(input.secretId, key).use { path.sign(it, input) }
                when {
                    sig != c["signature"] -> "signature\n  got  $sig\n  want ${c["signature"]}"
                    decode(sig).original != c["original"] -> "decoded original differs from the vector's"
                    else -> null
                }
            }
        }
    }
}

/** The typed fields of a decoded signature agree with its parameter list. */
private fun typedMismatch(d: DecodedSignature): String? {
    val byKey = d.params.associate { it.key to it.value }
    // An empty optional integer is not set.
    fun int(k: String) = byKey[k]?.takeIf { it.isNotEmpty() }?.toBigInteger()
    val pairs = listOf(
        "secretId" to (d.secretId to byKey["secretId"]),
        "currentTimeStamp" to (d.currentTimeStamp.toString().toBigInteger() to int("currentTimeStamp")),
        "expireTime" to (d.expireTime.toString().toBigInteger() to int("expireTime")),
        "random" to (d.random.toString().toBigInteger() to int("random")),
        "procedure" to (d.procedure to byKey["procedure"]),
        "classId" to (d.classId?.toString()?.toBigInteger() to int("classId")),
        "oneTimeValid" to (d.oneTimeValid?.toString()?.toBigInteger() to int("oneTimeValid")),
        "sourceContext" to (d.sourceContext to byKey["sourceContext"]),
        "taskPriority" to (d.taskPriority?.toBigInteger() to int("taskPriority")),
        "taskNotifyMode" to (d.taskNotifyMode to byKey["taskNotifyMode"]),
        "vodSubAppId" to (d.vodSubAppId?.toString()?.toBigInteger() to int("vodSubAppId")),
        "sessionContext" to (d.sessionContext to byKey["sessionContext"]),
        "storageRegion" to (d.storageRegion to byKey["storageRegion"]),
    )
    for ((k, v) in pairs) if (v.first != v.second) return "typed $k is ${v.first}, the parameter list says ${v.second}"
    return null
}

private fun decodeSuite(dir: File) {
    for (c in cases(dir, "decode.json")) {
        val name = "decode/${c["name"]}"
        val sig = c["signature"] as String
        val error = c["error"] as Map<*, *>?
        case(name) {
            if (error != null) {
                expectError(error, "decode") { decode(sig) }
            } else {
                val d = decode(sig)
                val want = (c["params"] as List<*>).map { p -> (p as List<*>).let { it[0] as String to it[1] as String } }
                val got = d.params.map { it.key to it.value }
                val wantWarnings = c["warnings"] as List<*>?
                val gotWarnings = d.warnings.map { it.code }
                when {
                    d.macHex != c["mac"] -> "mac ${d.macHex}, want ${c["mac"]}"
                    d.original != c["original"] -> "original\n  got  ${d.original}\n  want ${c["original"]}"
                    got != want -> "params\n  got  $got\n  want $want"
                    wantWarnings == null -> "the case has no warnings list"
                    gotWarnings != wantWarnings -> "warnings $gotWarnings, want $wantWarnings"
                    d.warnings.any { it.message.isBlank() || (it.param == null) != (it.code == "validity_too_long") } ->
                        "a warning lacks a message or has the wrong param: ${d.warnings}"
                    else -> typedMismatch(d)
                }
            }
        }
    }
}

private fun verifySuite(dir: File) {
    for (c in cases(dir, "verify.json")) {
        val name = "verify/${c["name"]}"
        val sig = c["signature"] as String
        val key = c["secretKey"] as String
        val now = (c["now"] as Long).toULong()
        val skew = (c["skew"] as Long).toULong()
        val error = c["error"] as Map<*, *>?
        case(name) {
            if (c["valid"] == true) {
                val d = verify(sig, key, now, skew)
                val viaObject = Verifier(key, skew).use { it.verify(sig, now) }
                val want = (c["secondsLeft"] as Long).toULong()
                when {
                    d != viaObject -> "verify() and Verifier.verify() disagree"
                    secondsLeft(sig, now) != want -> "secondsLeft ${secondsLeft(sig, now)}, want $want"
                    d.expireTime - now != want -> "expireTime - now is ${d.expireTime - now}, want $want"
                    else -> null
                }
            } else {
                expectError(error!!, "verify") { verify(sig, key, now, skew) }
                    ?: expectError(error, "Verifier.verify") { Verifier(key, skew).use { it.verify(sig, now) } }
            }
        }
    }
}

internal const val SEED_SIGNATURE =
    "j3IeOdRPWwKegeytZdde4djeEStzZWNyZXRJZD1JYW1TZWNyZXRJZCZjdXJyZW50VGltZVN0YW1wPTE1NzEyMTUwOTUmZXhwaXJlVGltZT0xNTcxMzAxNDk1JnJhbmRvbT0yMjA2MjUmcHJvY2VkdXJlPSZjbGFzc0lkPTAmb25lVGltZVZhbGlkPTAmc291cmNlQ29udGV4dD0="
internal val SEED_OPTIONS = SignOptions(procedure = "", classId = 0u, oneTimeValid = 0u, sourceContext = "")

private fun bindingSuite(dir: File) {
    case("binding/library-from-jar") {
        if (System.getProperty("jna.library.path") != null) "jna.library.path is set; the jar must be self-contained" else null
    }
    case("binding/defaults") {
        val o = SignOptions()
        if (o.validity != 86_400uL || o.procedure != null || o.storageRegion != null) "SignOptions() defaults: $o" else null
    }
    case("binding/seed-signature") {
        Signer("IamSecretId", "IamSecretKey").use { s ->
            val a = s.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u)
            val b = Signer.withKeyBytes("IamSecretId", "IamSecretKey".toByteArray()).use {
                it.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u)
            }
            when {
                a != SEED_SIGNATURE -> "signAt gave $a"
                b != SEED_SIGNATURE -> "withKeyBytes gave $b"
                s.secretId() != "IamSecretId" -> "secretId() is ${s.secretId()}"
                else -> null
            }
        }
    }
    case("binding/exception-hierarchy") {
        try {
            decode("not base64!")
            "decode accepted garbage"
        } catch (e: Exception) {
            when {
                e !is VodsignException -> "threw ${e.javaClass.name}, not a VodsignException"
                e !is VodsignException.NotBase64 -> "threw ${e.javaClass.name}, not NotBase64"
                e.message.isNullOrBlank() || e.message!!.startsWith("message=") -> "message is '${e.message}'"
                else -> null
            }
        }
    }
    case("binding/empty-secret-id") {
        expectError(mapOf("code" to "invalid_parameter", "param" to "secretId"), "Signer()") { Signer("", "k") }
    }
    case("binding/empty-secret-key") {
        expectError(mapOf("code" to "invalid_parameter", "param" to "secretKey"), "Signer()") { Signer("id", "") }
    }
    // Verification refuses the empty key as signing does: the same exception class and message.
    case("binding/empty-secret-key-verify") {
        val signing = try {
            Signer("id", "").use { "Signer accepted the empty key" }
        } catch (e: VodsignException.InvalidParameter) {
            e.message
        }
        val calls = listOf<Pair<String, () -> Any?>>(
            "verify()" to { verify(SEED_SIGNATURE, "", 1571215100uL) },
            "Verifier()" to { Verifier("", 300u).use { it.verify(SEED_SIGNATURE, 1571215100uL) } },
            "Verifier.withKeyBytes()" to { Verifier.withKeyBytes(ByteArray(0), 300u).use { "made" } },
        )
        calls.firstNotNullOfOrNull { (what, call) ->
            try {
                "$what returned ${call()}"
            } catch (e: VodsignException.InvalidParameter) {
                if (e.message != signing) "$what: '${e.message}', Signer: '$signing'" else null
            } catch (e: VodsignException) {
                "$what threw ${e.javaClass.simpleName}: ${e.message}"
            }
        }
    }
    // validity is checked when signing with it, after the options were prepared.
    case("binding/validity-zero") {
        Signer("id", "k").use { s ->
            val want = mapOf("code" to "invalid_parameter", "param" to "validity")
            expectError(want, "sign") { s.sign(SignOptions(validity = 0u)) }
                ?: expectError(want, "PreparedSigner.sign") { s.prepare(SignOptions(validity = 0u)).use { it.sign() } }
        }
    }
    case("binding/validity-too-long") {
        Signer("id", "k").use { s ->
            val want = mapOf("code" to "validity_too_long")
            expectError(want, "sign") { s.sign(SignOptions(validity = 7_776_001u)) }
                ?: expectError(want, "PreparedSigner.sign") { s.prepare(SignOptions(validity = 7_776_001u)).use { it.sign() } }
        }
    }
    case("binding/prepared-round-trip") { Signer("IamSecretId", "IamSecretKey").use { preparedRoundTrip(it) } }
    case("binding/prepare-refused") {
        Signer("id", "k").use { s ->
            expectError(mapOf("code" to "invalid_parameter", "param" to "sourceContext"), "prepare") {
                s.prepare(SignOptions(sourceContext = "x".repeat(251))).use { "made" }
            }
        }
    }
    case("binding/prepared-closed") { preparedCloses(Signer("IamSecretId", "IamSecretKey")) }
    case("binding/prepared-outlives-signer") { preparedOutlivesSigner(Signer("IamSecretId", "IamSecretKey")) }
    case("binding/bad-mac-message") {
        expectError(mapOf("code" to "bad_mac"), "verify") { verify(SEED_SIGNATURE, "another key", 1571215100uL, 300uL) }
    }
    case("binding/sign-now-then-verify") {
        Signer("AKIDexample", "the-secret-key").use { s ->
            val options = SignOptions(procedure = "LongVideoPreset", oneTimeValid = 1u, validity = 600u)
            val sig = s.sign(options)
            val viaPrepared = s.prepare(options).use { it.sign() }
            val now = unixNow()
            val d = verify(sig, "the-secret-key", now)
            val p = verify(viaPrepared, "the-secret-key", now)
            val v = Verifier.withKeyBytes("the-secret-key".toByteArray()).use { it.verify(sig, now) }
            when {
                p.expireTime - p.currentTimeStamp != 600uL || p.procedure != "LongVideoPreset" -> "PreparedSigner.sign gave $p"
                d != v -> "verify() and Verifier.withKeyBytes disagree"
                d.expireTime - d.currentTimeStamp != 600uL -> "window is ${d.expireTime - d.currentTimeStamp}"
                d.procedure != "LongVideoPreset" || d.oneTimeValid != 1.toUByte() -> "decoded $d"
                secondsLeft(sig, now) !in 590uL..600uL -> "secondsLeft ${secondsLeft(sig, now)}"
                else -> null
            }
        }
    }
    case("binding/use-closes") { useCloses("Signer", Signer("IamSecretId", "IamSecretKey")) }
    case("binding/threads-share-one-signer") { threads(dir) }
}

/**
 * `use {}` signs and then closes the signer: a later call throws IllegalStateException and a
 * second close is harmless. The same check for the generated Signer and for FastSigner.
 */
private fun <T> useCloses(what: String, signer: T): String? where T : SignerInterface, T : AutoCloseable {
    val sig = signer.use { it.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u) }
    return try {
        signer.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u)
        "a closed $what still signed"
    } catch (e: IllegalStateException) {
        signer.close() // a second close is harmless
        if (sig != SEED_SIGNATURE) "signature inside use{} was $sig" else null
    }
}

/**
 * A PreparedSigner gives back the record it was prepared from, and its signer's secretId. The same
 * check for the generated Signer and for FastSigner.
 */
private fun preparedRoundTrip(signer: SignerInterface): String? {
    val o = SignOptions(procedure = "P", classId = 3u, taskPriority = -2, storageRegion = "ap-chongqing", validity = 600u)
    return signer.prepare(o).use { p ->
        when {
            p.options() != o -> "options() gave ${p.options()}, prepared from $o"
            p.secretId() != signer.secretId() -> "secretId() is ${p.secretId()}"
            else -> null
        }
    }
}

/**
 * A closed PreparedSigner: every method throws IllegalStateException (as the generated objects
 * do), it says it is destroyed, and a second close is harmless. Closes `signer` too.
 */
private fun <T> preparedCloses(signer: T): String? where T : SignerInterface, T : AutoCloseable {
    val p = signer.use { it.prepare(SEED_OPTIONS) }
    val sig = p.use { it.signAt(1571215095uL, 1571301495uL, 220625u) }
    if (sig != SEED_SIGNATURE) return "signature inside use{} was $sig"
    if (!p.uniffiIsDestroyed) return "uniffiIsDestroyed is false after close"
    val calls = listOf<Pair<String, () -> Any>>(
        "signAt" to { p.signAt(1571215095uL, 1571301495uL, 220625u) },
        "sign" to { p.sign() },
        "options" to { p.options() },
        "secretId" to { p.secretId() },
    )
    for ((name, call) in calls) {
        try {
            call()
            return "a closed PreparedSigner's $name() returned"
        } catch (e: IllegalStateException) {
            // expected
        }
    }
    p.close() // a second close is harmless
    return null
}

/** A PreparedSigner signs (at a given time, and now) after the signer it came from is closed. */
private fun <T> preparedOutlivesSigner(signer: T): String? where T : SignerInterface, T : AutoCloseable {
    val p = signer.use { it.prepare(SignOptions(procedure = "LongVideoPreset", validity = 600u)) }
    return p.use {
        val at = p.signAt(1571215095uL, 1571301495uL, 220625u)
        val now = p.sign()
        val d = verify(now, "IamSecretKey", unixNow())
        when {
            decode(at).procedure != "LongVideoPreset" || verify(at, "IamSecretKey", 1571215095uL).random != 220625uL -> "signAt gave $at"
            d.procedure != "LongVideoPreset" || d.expireTime - d.currentTimeStamp != 600uL -> "sign gave $d"
            else -> null
        }
    }
}

/** Every valid sign vector made with the seed's secretId and key, with its expected signature. */
private fun seedKeyWork(dir: File) = cases(dir, "sign.json").filter {
    it["error"] == null && it["secretKey"] == "IamSecretKey" && (it["params"] as Map<*, *>)["secretId"] == "IamSecretId"
}.map { signInput(it["params"] as Map<*, *>) to it["signature"] as String }

/**
 * 8 threads share one Signer (and one Verifier) and sign every valid vector of its secretId/key,
 * with the record and with the vector's PreparedSigner, which the threads share too.
 */
private fun threads(dir: File): String? {
    val work = seedKeyWork(dir)
    if (work.size < 10) return "only ${work.size} vectors to share"
    return Signer("IamSecretId", "IamSecretKey").use { signer ->
        val prepared = work.map { signer.prepare(it.first.options) }
        try {
            threads(signer, work, prepared)
        } finally {
            prepared.forEach { it.close() }
        }
    }
}

private fun threads(signer: Signer, work: List<Pair<SignInput, String>>, prepared: List<PreparedSigner>): String? {
    val rounds = 25
    return Verifier("IamSecretKey", 300u).use { verifier ->
        onThreads(8) { t ->
            repeat(rounds) { r ->
                for (i in work.indices) {
                    val k = (i + t * 7 + r) % work.size
                    val (input, want) = work[k]
                    val got = signer.signAt(input.options, input.cts, input.exp, input.random)
                    if (got != want) throw IllegalStateException("thread $t got $got, want $want")
                    val viaPrepared = prepared[k].signAt(input.cts, input.exp, input.random)
                    if (viaPrepared != want) throw IllegalStateException("thread $t PreparedSigner.signAt got $viaPrepared")
                    verifier.verify(got, input.cts)
                }
                val fresh = signer.sign(SignOptions(validity = 60u))
                verifier.verify(fresh, unixNow())
            }
        }
    }
}

/**
 * Runs `body(t)` on `n` threads released together: null when every thread returned, else what
 * went wrong (threads still running after 120 s, or how many threw and the first exception).
 */
private fun onThreads(n: Int, body: (Int) -> Unit): String? {
    val errors = AtomicInteger()
    val firstError = java.util.concurrent.atomic.AtomicReference<String?>(null)
    val start = CountDownLatch(1)
    val threads = (0 until n).map { t ->
        Thread {
            start.await()
            try {
                body(t)
            } catch (e: Throwable) {
                errors.incrementAndGet()
                firstError.compareAndSet(null, "${e.javaClass.simpleName}: ${e.message}")
            }
        }.apply { start() }
    }
    start.countDown()
    threads.forEach { it.join(120_000) }
    if (threads.any { it.isAlive }) return "threads did not finish within 120 s"
    return if (errors.get() == 0) null else "${errors.get()} thread(s) failed; first: ${firstError.get()}"
}

// ---------------------------------------------------------------------------------------------
// The fast path (bindings/kotlin-fast/): FastSigner must sign, and fail, exactly as the generated Signer.

/** The same call through the generated Signer: its result, or the exception it throws. */
private fun viaUniffi(call: () -> String): Any = try {
    call()
} catch (e: VodsignException) {
    e
}

/** Null when the fast path's outcome equals the generated binding's: the same string, or the same class and message. */
private fun sameOutcome(fast: () -> String, uniffi: Any): String? {
    val got = try {
        fast()
    } catch (e: VodsignException) {
        e
    }
    return when {
        uniffi is String && got is String -> if (got == uniffi) null else "fast path signed\n  got  $got\n  want $uniffi"
        uniffi is VodsignException && got is VodsignException ->
            if (got.javaClass == uniffi.javaClass && got.message == uniffi.message) null
            else "fast path threw ${got.javaClass.simpleName}('${got.message}'), Signer threw ${uniffi.javaClass.simpleName}('${uniffi.message}')"
        else -> "fast path gave ${describe(got)}, Signer gave ${describe(uniffi)}"
    }
}

internal fun describe(v: Any): String = if (v is Exception) "${v.javaClass.simpleName}('${v.message}')" else "'$v'"

private fun fastSuite(dir: File) {
    for (c in cases(dir, "sign.json")) for (path in SIGN_PATHS) {
        val name = "fast/${path.prefix}sign/${c["name"]}"
        val error = c["error"] as Map<*, *>?
        case(name) {
            val input = try {
                signInput(c["params"] as Map<*, *>)
            } catch (u: Unrepresentable) {
                return@case if (error != null) null else "valid case, but ${u.message}"
            }
            val key = c["secretKey"] as String
            val uniffi = viaUniffi { Signer(input.secretId, key).use { path.sign(it, input) } }
            // The vector's expectation first, then equality with the generated binding (class and message).
            if (error != null) {
                expectError(error, "FastSigner ${path.what}") { FastSigner(input.secretId, key).use { path.sign(it, input) } }
                    ?: sameOutcome({ FastSigner(input.secretId, key).use { path.sign(it, input) } }, uniffi)
            } else {
                FastSigner(input.secretId, key).use { f ->
                    val viaPath = path.sign(f, input)
                    val again = path.sign(f, input) // the cached native options when the path reuses its object
                    val viaFastOptions = FastOptions(input.options).use { o -> f.signAt(o, input.cts, input.exp, input.random) }
                    val viaBytes = FastSigner.withKeyBytes(input.secretId, key.toByteArray()).use { path.sign(it, input) }
                    when {
                        viaPath != c["signature"] -> "signature\n  got  $viaPath\n  want ${c["signature"]}"
                        again != viaPath -> "second call with the same input gave $again"
                        viaFastOptions != viaPath -> "with FastOptions: $viaFastOptions"
                        viaBytes != viaPath -> "withKeyBytes: $viaBytes"
                        else -> sameOutcome({ viaPath }, uniffi)
                    }
                }
            }
        }
    }

    case("fast/same-native-library") {
        // Both paths loaded the jar's library through JNA: one copy is mapped, not two.
        FastSigner("IamSecretId", "IamSecretKey").use { it.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u) }
        Signer("IamSecretId", "IamSecretKey").use { it.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u) }
        oneLibraryMapped(File("/proc/self/maps")) // in FastContract.kt
    }
    case("fast/seed-and-secret-id") {
        FastSigner("IamSecretId", "IamSecretKey").use { f ->
            when {
                f.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u) != SEED_SIGNATURE -> "seed signature differs"
                f.secretId() != "IamSecretId" -> "secretId() is ${f.secretId()}"
                else -> null
            }
        }
    }
    case("fast/empty-secret-id") {
        expectError(mapOf("code" to "invalid_parameter", "param" to "secretId"), "FastSigner()") { FastSigner("", "k") }
            ?: sameOutcome({ FastSigner("", "k").use { "made" } }, viaUniffi { Signer("", "k").use { "made" } })
    }
    case("fast/empty-secret-key") {
        expectError(mapOf("code" to "invalid_parameter", "param" to "secretKey"), "FastSigner()") { FastSigner("id", "") }
            ?: sameOutcome({ FastSigner.withKeyBytes("id", ByteArray(0)).use { "made" } }, viaUniffi { Signer.withKeyBytes("id", ByteArray(0)).use { "made" } })
    }
    case("fast/validity-errors") {
        FastSigner("id", "k").use { f ->
            Signer("id", "k").use { s ->
                listOf(0uL, 7_776_001uL).firstNotNullOfOrNull { v ->
                    sameOutcome({ f.sign(SignOptions(validity = v)) }, viaUniffi { s.sign(SignOptions(validity = v)) })
                        ?: sameOutcome({ f.prepare(SignOptions(validity = v)).use { it.sign() } }, viaUniffi { s.prepare(SignOptions(validity = v)).use { it.sign() } })
                }
            }
        }
    }
    case("fast/sign-now-then-verify") {
        FastSigner("AKIDexample", "the-secret-key").use { f ->
            val opts = SignOptions(procedure = "LongVideoPreset", oneTimeValid = 1u, validity = 600u)
            val sig = f.sign(opts)
            val sig2 = FastOptions(opts).use { f.sign(it) }
            val sig3 = f.prepare(opts).use { it.sign() }
            val now = unixNow()
            val d = verify(sig, "the-secret-key", now)
            val d2 = verify(sig2, "the-secret-key", now)
            val d3 = verify(sig3, "the-secret-key", now)
            when {
                listOf(d, d2, d3).any { it.expireTime - it.currentTimeStamp != 600uL } -> "window is not 600 s"
                d3.procedure != "LongVideoPreset" -> "PreparedSigner.sign decoded $d3"
                d.procedure != "LongVideoPreset" || d.oneTimeValid != 1.toUByte() -> "decoded $d"
                d.random == d2.random && d.currentTimeStamp == d2.currentTimeStamp -> "two signatures share their random"
                else -> null
            }
        }
    }
    case("fast/options-change-between-calls") {
        // The per-thread native copy follows the record: a different record is converted again.
        FastSigner("IamSecretId", "IamSecretKey").use { f ->
            Signer("IamSecretId", "IamSecretKey").use { s ->
                val records = listOf(SEED_OPTIONS, SignOptions(), SignOptions(procedure = "p", classId = 3u), SEED_OPTIONS.copy())
                (0 until 3).flatMap { records }.firstNotNullOfOrNull { o ->
                    sameOutcome({ f.signAt(o, 1571215095uL, 1571301495uL, 220625u) }, s.signAt(o, 1571215095uL, 1571301495uL, 220625u))
                }
            }
        }
    }
    case("fast/prepare-gives-fast-path") {
        FastSigner("IamSecretId", "IamSecretKey").use { f ->
            f.prepare(SEED_OPTIONS).use { p -> if (p is FastPreparedSigner) null else "prepare gave a ${p.javaClass.name}" }
        }
    }
    case("fast/prepare-refused") {
        // Refused in prepare, as the generated prepare refuses: the same class and message.
        FastSigner("id", "k").use { f ->
            Signer("id", "k").use { s ->
                listOf(SignOptions(sourceContext = "x".repeat(251)), SignOptions(oneTimeValid = 2u), SignOptions(taskPriority = 11, procedure = "\u0000"))
                    .firstNotNullOfOrNull { o -> sameOutcome({ f.prepare(o).use { "made" } }, viaUniffi { s.prepare(o).use { "made" } }) }
            }
        }
    }
    case("fast/prepared-round-trip") { FastSigner("IamSecretId", "IamSecretKey").use { preparedRoundTrip(it) } }
    case("fast/prepared-closed") { preparedCloses(FastSigner("IamSecretId", "IamSecretKey")) }
    case("fast/prepared-outlives-signer") { preparedOutlivesSigner(FastSigner("IamSecretId", "IamSecretKey")) }
    case("fast/use-closes") { useCloses("FastSigner", FastSigner("IamSecretId", "IamSecretKey")) }
    case("fast/closed-options") {
        FastSigner("IamSecretId", "IamSecretKey").use { f ->
            val o = FastOptions(SEED_OPTIONS)
            val sig = o.use { f.signAt(it, 1571215095uL, 1571301495uL, 220625u) }
            try {
                f.signAt(o, 1571215095uL, 1571301495uL, 220625u)
                "signed with closed FastOptions"
            } catch (e: IllegalStateException) {
                o.close()
                if (sig != SEED_SIGNATURE) "signature with FastOptions was $sig" else null
            }
        }
    }
    case("fast/threads-share-one-signer") { fastThreads(dir) }
    fastContractSuite() // FastContract.kt: close, lone surrogates, status codes, the maps check
}

/**
 * 8 threads share one FastSigner (and one FastOptions and one PreparedSigner it prepared) and
 * sign every valid vector of its secretId/key, each thread switching options records every call;
 * then one thread closes the signer while the others may still be signing: those calls finish or
 * fail with IllegalStateException, never anything else; the PreparedSigner still signs after.
 */
private fun fastThreads(dir: File): String? {
    val work = seedKeyWork(dir)
    if (work.size < 10) return "only ${work.size} vectors to share"
    val rounds = 25
    val signer = FastSigner("IamSecretId", "IamSecretKey")
    val seedPrepared = signer.prepare(SEED_OPTIONS)
    val failed = FastOptions(SEED_OPTIONS).use { seed ->
        onThreads(8) { t ->
            repeat(rounds) { r ->
                for (i in work.indices) {
                    val (input, want) = work[(i + t * 7 + r) % work.size]
                    val got = signer.signAt(input.options, input.cts, input.exp, input.random)
                    if (got != want) throw IllegalStateException("thread $t got $got, want $want")
                    if (signer.signAt(seed, 1571215095uL, 1571301495uL, 220625u) != SEED_SIGNATURE) {
                        throw IllegalStateException("thread $t: the shared FastOptions signed differently")
                    }
                    if (seedPrepared.signAt(1571215095uL, 1571301495uL, 220625u) != SEED_SIGNATURE) {
                        throw IllegalStateException("thread $t: the shared PreparedSigner signed differently")
                    }
                }
                val fresh = signer.sign(SignOptions(validity = 60u))
                verify(fresh, "IamSecretKey", unixNow())
            }
        }
    }
    if (failed != null) return failed

    // Close while others sign.
    val others = AtomicInteger()
    val firstError = java.util.concurrent.atomic.AtomicReference<String?>(null)
    val go = CountDownLatch(1)
    val signers = (0 until 4).map {
        Thread {
            go.await()
            try {
                while (true) {
                    if (signer.signAt(SEED_OPTIONS, 1571215095uL, 1571301495uL, 220625u) != SEED_SIGNATURE) {
                        others.incrementAndGet()
                        break
                    }
                }
            } catch (e: IllegalStateException) {
                // closed: expected
            } catch (e: Throwable) {
                others.incrementAndGet()
                firstError.compareAndSet(null, "${e.javaClass.simpleName}: ${e.message}")
            }
        }.apply { start() }
    }
    go.countDown()
    Thread.sleep(50)
    signer.close()
    signers.forEach { it.join(60_000) }
    if (signers.any { it.isAlive }) return "signing threads did not stop after close"
    if (others.get() != 0) return "closing while signing: ${others.get()} thread(s) failed; first: ${firstError.get()}"
    val after = seedPrepared.use { it.signAt(1571215095uL, 1571301495uL, 220625u) }
    return if (after == SEED_SIGNATURE) null else "the PreparedSigner signed $after after its FastSigner was closed"
}

fun main(args: Array<String>) {
    val dir = File(args.getOrNull(0) ?: "tests/vectors")
    for (f in listOf("sign.json", "decode.json", "verify.json")) {
        if (!File(dir, f).isFile) {
            println("FAIL vectors: ${File(dir, f)} is missing")
            failed++
        }
    }
    if (failed == 0) {
        signSuite(dir)
        decodeSuite(dir)
        verifySuite(dir)
        bindingSuite(dir)
        fastSuite(dir)
    }
    if (refusedByType.isNotEmpty()) println("note: ${refusedByType.size} sign case(s) hold a value that Kotlin's unsigned types cannot express; counted as refused")
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
