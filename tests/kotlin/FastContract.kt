// The fast path's contract beyond the vectors (Conformance.kt's fastSuite runs these checks):
// - a closed FastSigner / FastPreparedSigner throws what a closed generated Signer /
//   PreparedSigner throws (IllegalStateException, uniffi's message with the object's class name);
// - text that is not valid UTF-16 (a lone surrogate) is a VodsignException.InvalidParameter
//   naming the parameter on the fast path, and exactly what README's bad-input table says
//   (java.nio.charset.MalformedInputException) on the generated binding;
// - the fast path's status -> exception mapping agrees with the status codes of
//   include/vodsign.h (path in the system property `vodsign.header`) and with the binding's
//   VodsignException classes;
// - the check that one copy of the native library is mapped can fail, and fails when it cannot
//   read the process's mappings.
package com.vodsign.conformance

import com.vodsign.InternalException
import com.vodsign.PreparedSigner
import com.vodsign.SignOptions
import com.vodsign.Signer
import com.vodsign.SignerInterface
import com.vodsign.Verifier
import com.vodsign.VodsignException
import com.vodsign.decode
import com.vodsign.fast.FastNative
import com.vodsign.fast.FastOptions
import com.vodsign.fast.FastPreparedSigner
import com.vodsign.fast.FastSigner
import com.vodsign.secondsLeft
import com.vodsign.verify
import java.io.File
import java.nio.charset.MalformedInputException

internal fun fastContractSuite() {
    closedLikeGenerated()
    loneSurrogates()
    statusMapping()
    mapsCheck()
}

/** What `call` did: "returned <value>", or "<exception class>('<message>')". */
private fun outcome(call: () -> Any?): String = try {
    "returned ${call()}"
} catch (e: Exception) {
    "${e.javaClass.name}('${e.message}')"
}

// ---------------------------------------------------------------------------------------------
// After close.

private val AT = Triple(1571215095uL, 1571301495uL, 220625u)

private val SIGNER_CALLS: List<Pair<String, (SignerInterface) -> Any?>> = listOf(
    "secretId" to { s -> s.secretId() },
    "sign" to { s -> s.sign(SEED_OPTIONS) },
    "signAt" to { s -> s.signAt(SEED_OPTIONS, AT.first, AT.second, AT.third) },
    "prepare" to { s -> s.prepare(SEED_OPTIONS).use { "a PreparedSigner" } },
)

private val PREPARED_CALLS: List<Pair<String, (PreparedSigner) -> Any?>> = listOf(
    "secretId" to { p -> p.secretId() },
    "options" to { p -> p.options() },
    "sign" to { p -> p.sign() },
    "signAt" to { p -> p.signAt(AT.first, AT.second, AT.third) },
)

/**
 * Null when each call on the closed fast object gives what it gives on the closed generated one:
 * IllegalStateException with uniffi's message "<class> object has already been destroyed", the
 * class being the object's own (uniffi names it with `javaClass.simpleName`).
 */
private fun <T> sameWhenClosed(calls: List<Pair<String, (T) -> Any?>>, generated: T, fast: T): String? =
    calls.firstNotNullOfOrNull { (name, call) ->
        val g = generated!!.javaClass.simpleName
        val f = fast!!.javaClass.simpleName
        val want = outcome { call(generated) }
        val expected = "java.lang.IllegalStateException('$g object has already been destroyed')"
        when {
            want != expected -> "the closed $g's $name() gave $want, expected $expected"
            outcome { call(fast) } != want.replace("'$g ", "'$f ") ->
                "the closed $f's $name() gave ${outcome { call(fast) }}; the closed $g's gave $want"
            else -> null
        }
    }

private fun closedLikeGenerated() {
    case("fast/closed-signer-like-generated") {
        val s = Signer("IamSecretId", "IamSecretKey").also { it.close() }
        val f = FastSigner("IamSecretId", "IamSecretKey").also { it.close() }
        sameWhenClosed(SIGNER_CALLS, s, f) ?: FastOptions(SEED_OPTIONS).use { o ->
            // The FastSigner-only overloads with converted options.
            val want = "java.lang.IllegalStateException('FastSigner object has already been destroyed')"
            listOf(
                outcome { f.sign(o) },
                outcome { f.signAt(o, AT.first, AT.second, AT.third) },
            ).firstOrNull { it != want }?.let { "a closed FastSigner with FastOptions gave $it, expected $want" }
        }
    }
    case("fast/closed-prepared-like-generated") {
        val gp = Signer("IamSecretId", "IamSecretKey").use { it.prepare(SEED_OPTIONS) }.also { it.close() }
        val fp = FastSigner("IamSecretId", "IamSecretKey").use { it.prepare(SEED_OPTIONS) }.also { it.close() }
        if (fp !is FastPreparedSigner) "FastSigner.prepare gave a ${fp.javaClass.name}" else sameWhenClosed(PREPARED_CALLS, gp, fp)
    }
    case("fast/prepared-answers-after-signer-closed") {
        // A PreparedSigner outlives its signer: every method still answers, as the generated one does.
        val gp = Signer("IamSecretId", "IamSecretKey").use { it.prepare(SEED_OPTIONS) }
        val fp = FastSigner("IamSecretId", "IamSecretKey").use { it.prepare(SEED_OPTIONS) }
        gp.use {
            fp.use {
                PREPARED_CALLS.filter { it.first != "sign" }.firstNotNullOfOrNull { (name, call) ->
                    val want = outcome { call(gp) }
                    val got = outcome { call(fp) }
                    when {
                        !want.startsWith("returned ") -> "the generated PreparedSigner's $name() gave $want"
                        got != want -> "FastPreparedSigner.$name() after its FastSigner was closed gave $got, want $want"
                        else -> null
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text that is not valid UTF-16.

/** A high surrogate alone, a low one alone, a high one at the end, and a pair in the wrong order. */
private val NOT_UTF16 = listOf("a\uD800b", "\uDC00", "x\uD83D", "\uDE00\uD83D")

private val TEXT_OPTIONS: List<Pair<String, (String) -> SignOptions>> = listOf(
    "procedure" to { v -> SignOptions(procedure = v) },
    "sourceContext" to { v -> SignOptions(sourceContext = v) },
    "taskNotifyMode" to { v -> SignOptions(taskNotifyMode = v) },
    "sessionContext" to { v -> SignOptions(sessionContext = v) },
    "storageRegion" to { v -> SignOptions(storageRegion = v) },
)

/** Null when `call` throws InvalidParameter naming `param` and saying why, without the text itself. */
private fun refusedAsNotUtf16(param: String, bad: String, what: String, call: () -> Any?): String? = try {
    val v = call()
    (v as? AutoCloseable)?.close()
    "$what returned $v for $param with a lone surrogate"
} catch (e: VodsignException.InvalidParameter) {
    val m = e.message ?: ""
    when {
        !m.startsWith("$param ") -> "$what: the message does not name $param first: '$m'"
        !m.contains("not valid UTF-16") || !m.contains("lone surrogate") -> "$what: the message does not give the rule: '$m'"
        m.contains(bad) -> "$what: the message repeats the text: '$m'"
        else -> null
    }
} catch (e: Exception) {
    "$what threw ${e.javaClass.name}('${e.message}'), not VodsignException.InvalidParameter"
}

private fun loneSurrogates() {
    case("fast/lone-surrogate/secretId") {
        NOT_UTF16.firstNotNullOfOrNull { bad ->
            refusedAsNotUtf16("secretId", bad, "FastSigner(secretId, secretKey)") { FastSigner(bad, "k") }
                ?: refusedAsNotUtf16("secretId", bad, "FastSigner.withKeyBytes") { FastSigner.withKeyBytes(bad, byteArrayOf(1)) }
                // secretId comes before secretKey, as in every other check.
                ?: refusedAsNotUtf16("secretId", bad, "FastSigner(bad secretId, bad secretKey)") { FastSigner(bad, bad) }
        }
    }
    case("fast/lone-surrogate/secretKey") {
        NOT_UTF16.firstNotNullOfOrNull { bad ->
            refusedAsNotUtf16("secretKey", bad, "FastSigner(secretId, secretKey)") { FastSigner("id", bad) }
        }
    }
    case("fast/lone-surrogate/options") {
        FastSigner("id", "k").use { f ->
            TEXT_OPTIONS.firstNotNullOfOrNull { (param, options) ->
                NOT_UTF16.firstNotNullOfOrNull { bad ->
                    val o = options(bad)
                    refusedAsNotUtf16(param, bad, "FastSigner.signAt") { f.signAt(o, AT.first, AT.second, AT.third) }
                        ?: refusedAsNotUtf16(param, bad, "FastSigner.sign") { f.sign(o) }
                        ?: refusedAsNotUtf16(param, bad, "FastSigner.prepare") { f.prepare(o) }
                        ?: refusedAsNotUtf16(param, bad, "FastOptions") { FastOptions(o) }
                }
            }
        }
    }
    case("fast/surrogate-pairs-sign-as-generated") {
        // Valid pairs (characters outside the BMP) are text like any other: the same signature.
        val emoji = "\uD83D\uDE00"
        val o = SignOptions(procedure = "p$emoji", sourceContext = "$emoji$emoji", sessionContext = "s$emoji")
        val want = Signer("id$emoji", "k$emoji").use { it.signAt(o, AT.first, AT.second, AT.third) }
        val got = FastSigner("id$emoji", "k$emoji").use { it.signAt(o, AT.first, AT.second, AT.third) }
        val d = decode(got)
        when {
            got != want -> "fast path signed\n  got  $got\n  want $want"
            d.secretId != "id$emoji" || d.sourceContext != "$emoji$emoji" -> "decoded $d"
            else -> null
        }
    }
    case("binding/lone-surrogate-throws-MalformedInputException") {
        // What README's bad-input table documents for the generated binding: uniffi encodes every
        // string argument with a REPORTing UTF-8 encoder, so a lone surrogate anywhere throws
        // java.nio.charset.MalformedInputException (a CharacterCodingException, an IOException:
        // not a VodsignException) with the message "Input length = 1".
        val bad = "a\uD800b"
        val calls = listOf<Pair<String, () -> Any?>>(
            "Signer(secretId)" to { Signer(bad, "k") },
            "Signer(secretKey)" to { Signer("id", bad) },
            "Signer.withKeyBytes(secretId)" to { Signer.withKeyBytes(bad, byteArrayOf(1)) },
            "Signer.signAt(sourceContext)" to { Signer("id", "k").use { it.signAt(SignOptions(sourceContext = bad), AT.first, AT.second, AT.third) } },
            "Signer.sign(procedure)" to { Signer("id", "k").use { it.sign(SignOptions(procedure = bad)) } },
            "Signer.prepare(storageRegion)" to { Signer("id", "k").use { it.prepare(SignOptions(storageRegion = bad)) } },
            "decode" to { decode(bad) },
            "verify(signature)" to { verify(bad, "k", 1uL, 300uL) },
            "verify(secretKey)" to { verify(SEED_SIGNATURE, bad, 1571215095uL, 300uL) },
            "Verifier(secretKey)" to { Verifier(bad, 300uL) },
            "Verifier.verify(signature)" to { Verifier("k", 300uL).use { it.verify(bad, 1uL) } },
            "secondsLeft" to { secondsLeft(bad, 1uL) },
        )
        calls.firstNotNullOfOrNull { (what, call) ->
            try {
                val v = call()
                (v as? AutoCloseable)?.close()
                "$what returned $v"
            } catch (e: Exception) {
                if (e.javaClass == MalformedInputException::class.java && e.message == "Input length = 1") null
                else "$what threw ${e.javaClass.name}('${e.message}'), README says MalformedInputException('Input length = 1')"
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Status codes: include/vodsign.h against the fast path's mapping.

private fun statusMapping() {
    case("fast/status-mapping-matches-header") {
        val path = System.getProperty("vodsign.header")
            ?: return@case "the system property vodsign.header (the path of include/vodsign.h) is not set"
        val header = File(path)
        if (!header.isFile) return@case "$header is missing"
        val defines = Regex("""^#define VODSIGN_(OK|ERR_[A-Z0-9_]+) (\d+)\s*$""", RegexOption.MULTILINE)
            .findAll(header.readText(Charsets.UTF_8)).map { it.groupValues[1] to it.groupValues[2].toInt() }.toList()
        if (defines.firstOrNull() != ("OK" to 0) || defines.size < 16) return@case "read only $defines from $header"
        if (defines.map { it.second }.toSet().size != defines.size) return@case "$header reuses a status number: $defines"
        // status number -> its snake_case name, which is also the error code of the vectors.
        val names = defines.drop(1).associate { (name, n) -> n to name.removePrefix("ERR_").lowercase() }

        // Every error class of the binding, by its code (each nested subclass of VodsignException).
        val classes = VodsignException::class.java.declaredClasses
            .filter { VodsignException::class.java.isAssignableFrom(it) && it != VodsignException::class.java }
        val byCode = classes.associateBy { code(it.getConstructor(String::class.java).newInstance("m") as VodsignException) }
        if (byCode.size != classes.size || byCode.size < 14) return@case "VodsignException classes by code: $byCode"
        val orphan = byCode.keys - names.values.toSet()
        if (orphan.isNotEmpty()) return@case "VodsignException has $orphan, which $header has no status for"

        for ((n, name) in names) {
            val e = FastNative.exception(n, "the message")
            val want = byCode[name]
            val problem = when {
                want != null && (e.javaClass != want || e.message != "the message") ->
                    "status $n ($name) becomes ${describe(e)}, want ${want.simpleName}('the message')"
                // Argument errors, panics and other non-rule statuses: InternalException naming the status.
                want == null && (e !is InternalException || e.message != "$name: the message") ->
                    "status $n ($name) becomes ${describe(e)}, want InternalException('$name: the message')"
                else -> null
            }
            if (problem != null) return@case problem
        }
        // A number the header does not list is never taken for a rule.
        (1..1000).filter { it !in names }.firstNotNullOfOrNull { n ->
            val e = FastNative.exception(n, "m")
            if (e is InternalException) null else "status $n, not in $header, becomes ${describe(e)}"
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One copy of the native library.

/**
 * Null when the process mappings in `maps` (the format of /proc/PID/maps) hold exactly one file
 * that is the jar's native library (vodsign, or the jna<digits>.tmp file JNA extracts it to);
 * otherwise what is wrong, including that `maps` cannot be read.
 */
internal fun oneLibraryMapped(maps: File): String? {
    if (!maps.isFile) return "cannot check which libraries are mapped: $maps is absent"
    val extracted = Regex("""(^|/)jna\d+\.tmp( \(deleted\))?$""")
    val files = maps.readLines().map { it.trim().split(Regex("\\s+")).drop(5).joinToString(" ") }
        .filter { it.contains("vodsign") || extracted.containsMatchIn(it) }.toSet()
    return if (files.size == 1) null else "expected one copy of the jar's library mapped, found: $files"
}

private fun mapsCheck() {
    case("fast/maps-check-can-fail") {
        val dir = kotlin.io.path.createTempDirectory("vodsign-maps").toFile()
        try {
            val lib = "7f3a00000000-7f3a00010000 r-xp 00000000 08:01 4242                       "
            val one = File(dir, "one").apply { writeText("${lib}/tmp/jna123456.tmp (deleted)\n${lib}/usr/lib/libc.so.6\n") }
            val two = File(dir, "two").apply { writeText("${lib}/tmp/jna123456.tmp (deleted)\n${lib}/opt/x/libvodsign.so\n") }
            val none = File(dir, "none").apply { writeText("${lib}/usr/lib/libc.so.6\n") }
            when {
                oneLibraryMapped(one) != null -> "one copy was refused: ${oneLibraryMapped(one)}"
                oneLibraryMapped(two) == null -> "two copies passed"
                oneLibraryMapped(none) == null -> "no copy passed"
                oneLibraryMapped(File(dir, "absent")) == null -> "an absent maps file passed"
                else -> null
            }
        } finally {
            dir.deleteRecursively()
        }
    }
}
