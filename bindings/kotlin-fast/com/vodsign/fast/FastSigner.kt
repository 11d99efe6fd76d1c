// The Kotlin fast path: a hand-written signer over the library's C ABI (include/vodsign.h),
// called through JNA *direct mapping* (Native.register) with primitive arguments only.
//
// Why: every native call of the generated uniffi binding allocates JNA Structures (a call status
// holding a RustBuffer, plus RustBuffers for the options record and the result), each backed by
// JNA Memory registered with JNA's cleaner, and a signAt makes several such calls (clone the
// handle, allocate the record's buffer, sign, free the result). That costs tens of microseconds
// a signature (BENCHMARKS.md: a uniffi call that only returns an integer costs about 13 us).
// Here a signature is one native call with primitive arguments: the signer and options are native
// handles built once, and the signature is written into a per-thread direct buffer.
// FastSigner.prepare returns a FastPreparedSigner: a com.vodsign.PreparedSigner (made without a
// uniffi handle) whose methods sign on the same path with options converted once.
//
// It adds no signing logic: every rule, the escaping, the MAC and the Base64 are the core's,
// reached through vodsign_signer_sign_at / vodsign_signer_sign. It loads the same native library
// as the generated bindings (JNA, library name "vodsign": the jar's linux-x86-64/libvodsign.so,
// or the `uniffi.component.vodsign.libraryOverride` property that the bindings also honour) and
// throws the same exception classes (com.vodsign.VodsignException.*) with the same messages.
// Two differences, both documented in README: text that is not valid UTF-16 (a lone surrogate)
// is refused here as VodsignException.InvalidParameter naming the parameter, where the generated
// bindings throw java.nio.charset.MalformedInputException; and no call may start once close has
// begun (see SharedHandle).
//
// Hand-written, next to the generated bindings/kotlin/ (scripts/gen-bindings.sh never touches
// this folder); compiled with them into target/kotlin/vodsign.jar by scripts/test-kotlin.sh.
//
// Coupling to the generated code, which is why Cargo.toml pins uniffi exactly (the comment there
// lists the same): FastPreparedSigner extends the generated PreparedSigner through its `NoHandle`
// constructor and overrides `destroy()` (keeping `uniffiIsDestroyed` right); statuses that are not
// a rule of the signature become the generated `InternalException`; rule statuses become the
// generated VodsignException classes through their one-String constructors; a closed object
// throws IllegalStateException with uniffi's message "<class> object has already been destroyed".
// tests/kotlin/FastContract.kt checks the status mapping against include/vodsign.h and the
// closed-object behaviour against the generated Signer, so a uniffi upgrade that changes any of
// these fails the Kotlin suite.
package com.vodsign.fast

import com.sun.jna.Native
import com.sun.jna.Pointer
import com.vodsign.InternalException
import com.vodsign.NoHandle
import com.vodsign.PreparedSigner
import com.vodsign.SignOptions
import com.vodsign.SignerInterface
import com.vodsign.VodsignException
import java.lang.ref.Cleaner
import java.lang.ref.WeakReference
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * The C functions, bound by JNA direct mapping. Handles (`vodsign_signer *`, `vodsign_options *`)
 * are passed as their address in a `Long` and `size_t` as `Long`: this object refuses to load on
 * a platform where pointers or `size_t` are not 64 bits wide.
 */
internal object FastNative {
    init {
        check(Native.POINTER_SIZE == 8 && Native.SIZE_T_SIZE == 8) {
            "com.vodsign.fast needs a 64-bit platform (pointer ${Native.POINTER_SIZE} bytes, size_t ${Native.SIZE_T_SIZE})"
        }
        val name = System.getProperty("uniffi.component.vodsign.libraryOverride") ?: "vodsign"
        Native.register(FastNative::class.java, name)
    }

    external fun vodsign_status_name(status: Int): Pointer?
    external fun vodsign_last_error_message(out: ByteArray?, cap: Long, outLen: LongArray): Int

    external fun vodsign_signer_new(secretId: ByteArray, secretIdLen: Long, secretKey: ByteArray, secretKeyLen: Long, out: LongArray): Int
    external fun vodsign_signer_free(signer: Long)
    external fun vodsign_signer_sign(signer: Long, options: Long, out: Long, cap: Long, outLen: Long): Int
    external fun vodsign_signer_sign_at(
        signer: Long, options: Long, currentTimeStamp: Long, expireTime: Long, random: Int,
        out: Long, cap: Long, outLen: Long,
    ): Int

    external fun vodsign_options_new(out: LongArray): Int
    external fun vodsign_options_free(options: Long)
    external fun vodsign_options_set_procedure(options: Long, value: ByteArray, len: Long): Int
    external fun vodsign_options_set_class_id(options: Long, value: Long): Int
    external fun vodsign_options_set_one_time_valid(options: Long, value: Byte): Int
    external fun vodsign_options_set_source_context(options: Long, value: ByteArray, len: Long): Int
    external fun vodsign_options_set_task_priority(options: Long, value: Long): Int
    external fun vodsign_options_set_task_notify_mode(options: Long, value: ByteArray, len: Long): Int
    external fun vodsign_options_set_vod_sub_app_id(options: Long, value: Long): Int
    external fun vodsign_options_set_session_context(options: Long, value: ByteArray, len: Long): Int
    external fun vodsign_options_set_storage_region(options: Long, value: ByteArray, len: Long): Int
    external fun vodsign_options_set_validity(options: Long, seconds: Long): Int

    /** Frees native handles that were not closed, once their owner is unreachable. */
    val CLEANER: Cleaner by lazy { Cleaner.create() }

    // Status codes of include/vodsign.h.
    const val OK = 0
    const val ERR_BUFFER_TOO_SMALL = 102

    /** The exception for a failed status of `function`, with the core's message of the failure. */
    fun fail(status: Int, function: String): Exception = exception(status, lastErrorMessage(function))

    /**
     * The exception the generated bindings throw for a status: a status of include/vodsign.h
     * that is a rule of the signature becomes the VodsignException class of the same name
     * (VODSIGN_ERR_BAD_MAC, "bad_mac": BadMac). tests/kotlin/FastContract.kt reads the header
     * and checks every status against this mapping.
     */
    fun exception(status: Int, message: String): Exception =
        when (status) {
            1 -> VodsignException.InvalidParameter(message)
            2 -> VodsignException.ValidityTooLong(message)
            3 -> VodsignException.NotBase64(message)
            4 -> VodsignException.TooShort(message)
            5 -> VodsignException.NotUtf8(message)
            6 -> VodsignException.MalformedQuery(message)
            7 -> VodsignException.MissingParameter(message)
            8 -> VodsignException.NotAnInteger(message)
            9 -> VodsignException.DuplicateParameter(message)
            10 -> VodsignException.BadMac(message)
            11 -> VodsignException.Expired(message)
            12 -> VodsignException.NotYetValid(message)
            13 -> VodsignException.Clock(message)
            14 -> VodsignException.Random(message)
            // Argument errors (NULL, bad UTF-8, buffer), panics and codes this file does not
            // know: not a rule of the signature, so not a VodsignException (as uniffi does).
            else -> InternalException("${statusName(status)}: $message")
        }

    private fun statusName(status: Int): String = vodsign_status_name(status)?.getString(0, "UTF-8") ?: "status $status"

    /**
     * The core's message of the last failure on this thread, without the "function: " prefix
     * the C ABI adds (so that it reads exactly as the generated bindings' message).
     */
    private fun lastErrorMessage(function: String): String {
        val len = LongArray(1)
        var buf = ByteArray(256)
        var status = vodsign_last_error_message(buf, buf.size.toLong(), len)
        if (status == ERR_BUFFER_TOO_SMALL) {
            buf = ByteArray(Math.toIntExact(len[0] + 1))
            status = vodsign_last_error_message(buf, buf.size.toLong(), len)
        }
        if (status != OK) return "(no detail: vodsign_last_error_message returned $status)"
        val text = String(buf, 0, len[0].toInt(), Charsets.UTF_8)
        val prefix = "$function: "
        return if (text.startsWith(prefix)) text.substring(prefix.length) else text
    }

    private val EMPTY = ByteArray(1)

    /**
     * UTF-8 bytes of `s`, the value of the parameter `param`. Text that is not valid UTF-16 (a
     * surrogate that is not half of a high-low pair) has no UTF-8 form: it is refused as
     * InvalidParameter naming the parameter (the message never repeats the text: it may be the
     * key), never sent with '?' in its place as String.toByteArray would.
     */
    fun utf8(s: String, param: String): ByteArray {
        if (s.isEmpty()) return EMPTY // never a NULL pointer, even for length 0
        var i = 0
        while (i < s.length) {
            val c = s[i]
            i += when {
                !Character.isSurrogate(c) -> 1
                Character.isHighSurrogate(c) && i + 1 < s.length && Character.isLowSurrogate(s[i + 1]) -> 2
                else -> throw VodsignException.InvalidParameter(
                    "$param is not valid UTF-16: it has a lone surrogate, which has no UTF-8 form",
                )
            }
        }
        return s.toByteArray(Charsets.UTF_8)
    }

    fun utf8Len(s: String, b: ByteArray): Long = if (s.isEmpty()) 0L else b.size.toLong()
}

/** The address of a direct buffer's first byte. */
private fun address(buffer: ByteBuffer): Long = Pointer.nativeValue(Native.getDirectBufferPointer(buffer))

/** Frees a native handle exactly once: when the last user lets go, or from the Cleaner when unreachable. */
private class FreeOnce(address: Long, private val free: (Long) -> Unit) : Runnable {
    private val address = AtomicLong(address)
    override fun run() {
        val a = address.getAndSet(0)
        if (a != 0L) free(a)
    }
}

/**
 * A native handle that threads share, with the protocol of the generated objects: each call
 * holds it open ([acquire]/[release]); [close] lets go of the creator's hold; whoever lets go
 * last frees it (then runs `onFree`). A call on a closed handle throws IllegalStateException with
 * the generated objects' message, naming the owner's class as they do. Unlike the generated
 * objects, no call may start once close has begun, so threads that keep signing cannot postpone
 * the free for ever. If the owner is collected without close, the Cleaner frees the handle.
 */
internal class SharedHandle(owner: Any, private val address: Long, free: (Long) -> Unit) {
    private val what: String = owner.javaClass.simpleName
    private val holds = AtomicLong(1)
    private val closed = AtomicBoolean(false)
    private val cleanable = FastNative.CLEANER.register(owner, FreeOnce(address, free))
    @Volatile var onFree: (() -> Unit)? = null

    fun acquire(): Long {
        while (true) {
            val c = holds.get()
            check(c != 0L && !closed.get()) { "$what object has already been destroyed" }
            check(c != Long.MAX_VALUE) { "$what call counter would overflow" }
            if (holds.compareAndSet(c, c + 1)) return address
        }
    }

    fun release() {
        if (holds.decrementAndGet() == 0L) {
            cleanable.clean()
            onFree?.invoke()
        }
    }

    fun close() {
        if (closed.compareAndSet(false, true)) release()
    }

    /** The address without a hold: only for a handle that a single thread owns and uses. */
    fun ownedAddress(): Long = address
}

/**
 * A new native `vodsign_options` handle holding `o`, which the caller frees. The setters store
 * the values only: the core checks them when signing.
 */
internal fun nativeOptions(o: SignOptions): Long {
    val out = LongArray(1)
    val status = FastNative.vodsign_options_new(out)
    if (status != FastNative.OK) throw FastNative.fail(status, "vodsign_options_new")
    val a = out[0]
    fun check(status: Int, function: String) {
        if (status != FastNative.OK) throw FastNative.fail(status, function)
    }
    fun text(s: String?, param: String, function: String, setter: (Long, ByteArray, Long) -> Int) {
        if (s == null) return
        val b = FastNative.utf8(s, param)
        check(setter(a, b, FastNative.utf8Len(s, b)), function)
    }
    try {
        text(o.procedure, "procedure", "vodsign_options_set_procedure", FastNative::vodsign_options_set_procedure)
        o.classId?.let { check(FastNative.vodsign_options_set_class_id(a, it.toLong()), "vodsign_options_set_class_id") }
        o.oneTimeValid?.let { check(FastNative.vodsign_options_set_one_time_valid(a, it.toByte()), "vodsign_options_set_one_time_valid") }
        text(o.sourceContext, "sourceContext", "vodsign_options_set_source_context", FastNative::vodsign_options_set_source_context)
        o.taskPriority?.let { check(FastNative.vodsign_options_set_task_priority(a, it), "vodsign_options_set_task_priority") }
        text(o.taskNotifyMode, "taskNotifyMode", "vodsign_options_set_task_notify_mode", FastNative::vodsign_options_set_task_notify_mode)
        o.vodSubAppId?.let { check(FastNative.vodsign_options_set_vod_sub_app_id(a, it.toLong()), "vodsign_options_set_vod_sub_app_id") }
        text(o.sessionContext, "sessionContext", "vodsign_options_set_session_context", FastNative::vodsign_options_set_session_context)
        text(o.storageRegion, "storageRegion", "vodsign_options_set_storage_region", FastNative::vodsign_options_set_storage_region)
        check(FastNative.vodsign_options_set_validity(a, o.validity.toLong()), "vodsign_options_set_validity")
    } catch (e: Throwable) {
        FastNative.vodsign_options_free(a)
        throw e
    }
    return a
}

/**
 * A [SignOptions] record converted once into a native `vodsign_options` handle, for
 * [FastSigner.signAt] and [FastSigner.sign] without any per-call conversion. Immutable once
 * built: any number of threads may sign with it at once. Close it when done (a close while
 * others sign takes effect when they finish; signing with it afterwards throws
 * IllegalStateException). One that is collected without close is freed by a Cleaner.
 */
class FastOptions(val options: SignOptions) : AutoCloseable {
    internal val handle: SharedHandle = SharedHandle(this, nativeOptions(options), FastNative::vodsign_options_free)

    /** Frees the native handle (once no call uses it); a second call does nothing. */
    override fun close() = handle.close()
}

/**
 * Makes signatures for one secretId and secret key, like [com.vodsign.Signer]: the same
 * interface ([SignerInterface]), results, exceptions and messages, through the C ABI with one
 * native call per signature. Safe to share between threads. Close it when done: after [close],
 * calls throw IllegalStateException; a close while other threads sign takes effect when they
 * finish.
 *
 * For the lowest cost, keep the [SignOptions] record you sign with: each thread converts the
 * last record it used once and reuses that native copy while the same record (the same object;
 * records are immutable) comes again. Or convert it yourself with [FastOptions]. Or, lowest of
 * all, [prepare] the options once and sign with the [PreparedSigner] it returns.
 */
class FastSigner private constructor(
    private val secretId: String,
    id: ByteArray,
    key: ByteArray,
    keyLen: Int,
) : SignerInterface, AutoCloseable {
    /**
     * A signer for this secretId and secret key (the key's UTF-8 bytes). Fails with
     * InvalidParameter when either is empty or not valid UTF-16 (a secretId that is not valid
     * UTF-16 is named before the key).
     */
    constructor(secretId: String, secretKey: String) :
        this(secretId, FastNative.utf8(secretId, "secretId"), FastNative.utf8(secretKey, "secretKey"), secretKey.isEmpty())

    private constructor(secretId: String, id: ByteArray, key: ByteArray, empty: Boolean) :
        this(secretId, id, key, if (empty) 0 else key.size)

    companion object {
        /** A signer for this secretId and a secret key given as raw bytes. */
        @Throws(VodsignException::class)
        fun withKeyBytes(secretId: String, secretKey: ByteArray): FastSigner =
            FastSigner(secretId, FastNative.utf8(secretId, "secretId"), secretKey.copyOf(maxOf(secretKey.size, 1)), secretKey.size)

        /** Enough for the signature of most option sets; a larger one grows the buffer once. */
        private const val INITIAL_CAPACITY = 1024
    }

    private val handle: SharedHandle

    init {
        try {
            val out = LongArray(1)
            val status = FastNative.vodsign_signer_new(id, FastNative.utf8Len(secretId, id), key, keyLen.toLong(), out)
            if (status != FastNative.OK) throw FastNative.fail(status, "vodsign_signer_new")
            handle = SharedHandle(this, out[0], FastNative::vodsign_signer_free)
        } finally {
            key.fill(0) // our own copy of the key (the shared empty array is all zeros already)
        }
    }

    /**
     * The secretId this signer puts in every signature. Throws IllegalStateException once
     * closed, as [com.vodsign.Signer.secretId] does.
     */
    override fun secretId(): String {
        handle.acquire()
        handle.release()
        return secretId
    }

    /**
     * Signs with explicit currentTimeStamp, expireTime and random (reproduction and tests).
     * `options.validity` is not used.
     */
    @Throws(VodsignException::class)
    override fun signAt(options: SignOptions, currentTimeStamp: ULong, expireTime: ULong, random: UInt): String =
        call { signer, scratch ->
            scratch.sign(signer, scratch.options(options), currentTimeStamp.toLong(), expireTime.toLong(), random.toInt(), true)
        }

    /** [signAt] with options converted beforehand. */
    @Throws(VodsignException::class)
    fun signAt(options: FastOptions, currentTimeStamp: ULong, expireTime: ULong, random: UInt): String =
        call { signer, scratch ->
            val o = options.handle.acquire()
            try {
                scratch.sign(signer, o, currentTimeStamp.toLong(), expireTime.toLong(), random.toInt(), true)
            } finally {
                options.handle.release()
            }
        }

    /**
     * Signs with the current time, expireTime = now + `options.validity`, and a random number
     * from the operating system's secure generator.
     */
    @Throws(VodsignException::class)
    override fun sign(options: SignOptions): String =
        call { signer, scratch -> scratch.sign(signer, scratch.options(options), 0, 0, 0, false) }

    /**
     * Converts `options` once and checks every parameter that is set against its documented
     * rule, and returns a [PreparedSigner] (a [FastPreparedSigner]) that signs with them on this
     * signer's path: each call is one native call with no options to convert. Throws what
     * signing with these options would (`InvalidParameter`, naming the parameter); `validity` is
     * checked when [PreparedSigner.sign] uses it, as [sign] does. The prepared signer stays
     * usable after this signer is closed (it holds the native signer until it is closed itself).
     */
    @Throws(VodsignException::class)
    override fun prepare(options: SignOptions): PreparedSigner =
        call { signer, scratch ->
            val native = nativeOptions(options)
            try {
                // The C ABI has no check on its own: a signature at fixed valid times, discarded,
                // runs the core's check of the options (the first thing sign_at does) and
                // throws its error exactly as signAt with these options would.
                scratch.sign(signer, native, 0, 1, 0, true)
                handle.acquire() // the prepared signer's own hold, released when it is freed
            } catch (e: Throwable) {
                FastNative.vodsign_options_free(native)
                throw e
            }
            try {
                FastPreparedSigner(this, secretId, handle, signer, options, native)
            } catch (e: Throwable) {
                FastNative.vodsign_options_free(native)
                handle.release()
                throw e
            }
        }

    /**
     * Signs for a [FastPreparedSigner] with the native signer and options it holds (so without
     * this signer's own hold: it works after [close]), in this thread's buffers.
     */
    internal fun signPrepared(signer: Long, options: Long, cts: Long, exp: Long, random: Int, at: Boolean): String =
        scratch.get().sign(signer, options, cts, exp, random, at)

    /** [sign] with options converted beforehand. */
    @Throws(VodsignException::class)
    fun sign(options: FastOptions): String =
        call { signer, scratch ->
            val o = options.handle.acquire()
            try {
                scratch.sign(signer, o, 0, 0, 0, false)
            } finally {
                options.handle.release()
            }
        }

    /** Frees the native signer, which wipes its keyed state (once no call uses it); a second call does nothing. */
    override fun close() = handle.close()

    private inline fun <R> call(block: (signer: Long, scratch: Scratch) -> R): R {
        val signer = handle.acquire()
        try {
            return block(signer, scratch.get())
        } finally {
            handle.release()
        }
    }

    // ---- per-thread state: the output buffers and the last options record converted.
    private val allScratch = ArrayList<WeakReference<Scratch>>()
    private val scratch: ThreadLocal<Scratch> = ThreadLocal.withInitial {
        Scratch().also { s ->
            synchronized(allScratch) {
                allScratch.removeAll { it.get() == null } // threads that ended
                allScratch.add(WeakReference(s))
            }
        }
    }

    init {
        // When the signer is freed no call runs and none can start: free every thread's cached
        // options now rather than when the threads end.
        handle.onFree = {
            synchronized(allScratch) {
                allScratch.forEach { it.get()?.dropOptions() }
                allScratch.clear()
            }
        }
    }

    private class Scratch {
        private var cap = INITIAL_CAPACITY
        // Direct buffers, passed by address (a Buffer argument costs JNA a call back into Java for
        // its position); this object keeps them reachable while their addresses are in use.
        private var out: ByteBuffer = ByteBuffer.allocateDirect(cap)
        private var outAddress = address(out)
        private var bytes = ByteArray(cap)
        private val outLen: ByteBuffer = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder())
        private val outLenAddress = address(outLen)
        private var lastRecord: SignOptions? = null
        private var lastOptions: FastOptions? = null

        /** The native copy of `o`: reused while this thread signs with the same record. */
        fun options(o: SignOptions): Long {
            val cached = lastOptions
            if (cached != null && lastRecord === o) return cached.handle.ownedAddress()
            val fresh = FastOptions(o)
            lastOptions = fresh
            lastRecord = o
            cached?.close() // only this thread ever used it
            return fresh.handle.ownedAddress()
        }

        fun dropOptions() {
            lastOptions?.close()
            lastOptions = null
            lastRecord = null
        }

        fun sign(signer: Long, options: Long, cts: Long, exp: Long, random: Int, at: Boolean): String {
            while (true) {
                val status = if (at) {
                    FastNative.vodsign_signer_sign_at(signer, options, cts, exp, random, outAddress, cap.toLong(), outLenAddress)
                } else {
                    FastNative.vodsign_signer_sign(signer, options, outAddress, cap.toLong(), outLenAddress)
                }
                val len = outLen.getLong(0)
                if (status == FastNative.OK) {
                    val n = len.toInt()
                    out.get(bytes, 0, n) // relative get: Java 8 and Android have no absolute bulk get
                    out.rewind()
                    return String(bytes, 0, n, Charsets.ISO_8859_1) // Base64: ASCII
                }
                if (status != FastNative.ERR_BUFFER_TOO_SMALL || len + 1 <= cap) {
                    throw FastNative.fail(status, if (at) "vodsign_signer_sign_at" else "vodsign_signer_sign")
                }
                cap = Math.toIntExact(len + 1)
                out = ByteBuffer.allocateDirect(cap)
                outAddress = address(out)
                bytes = ByteArray(cap)
            }
        }
    }
}

/**
 * The [PreparedSigner] of [FastSigner.prepare]: the same interface, results, exceptions and
 * messages as the generated one, through the C ABI with one native call per signature and the
 * options converted once. It is made without a uniffi handle and overrides every method; it
 * holds the FastSigner's native signer (a hold of its own) and native options, so it stays
 * usable after the FastSigner is closed. Immutable; safe to share between threads. Close it when
 * done: after [close], its methods throw IllegalStateException; a close while other threads sign
 * takes effect when they finish. One that is collected without close is freed by a Cleaner.
 */
class FastPreparedSigner internal constructor(
    /** Kept reachable: its Cleaner would otherwise free the native signer this object uses. */
    private val signer: FastSigner,
    private val secretId: String,
    signerHandle: SharedHandle,
    private val signerAddress: Long,
    private val options: SignOptions,
    optionsAddress: Long,
) : PreparedSigner(NoHandle) {
    /** The native options; freeing them also lets go of this object's hold on the native signer. */
    private val native = SharedHandle(this, optionsAddress, { a ->
        FastNative.vodsign_options_free(a)
        signerHandle.release()
    })

    /**
     * Signs with the current time, expireTime = now + the options' `validity`, and a random
     * number from the operating system's secure generator: [FastSigner.sign] with these options.
     */
    @Throws(VodsignException::class)
    override fun sign(): String = call { o -> signer.signPrepared(signerAddress, o, 0, 0, 0, false) }

    /**
     * Signs with explicit currentTimeStamp, expireTime and random (reproduction and tests):
     * [FastSigner.signAt] with these options. The options' `validity` is not used.
     */
    @Throws(VodsignException::class)
    override fun signAt(currentTimeStamp: ULong, expireTime: ULong, random: UInt): String =
        call { o -> signer.signPrepared(signerAddress, o, currentTimeStamp.toLong(), expireTime.toLong(), random.toInt(), true) }

    /** The options as a record, equal to the one given to [FastSigner.prepare]. */
    override fun options(): SignOptions = call { options }

    /** The secretId this signer puts in every signature. */
    override fun secretId(): String = call { secretId }

    /**
     * Frees the native options and lets go of the native signer (once no call uses them); a
     * second call does nothing. [close] calls this.
     */
    override fun destroy() {
        super.destroy() // marks the object destroyed (uniffiIsDestroyed); it has no uniffi handle
        native.close()
    }

    private inline fun <R> call(block: (options: Long) -> R): R {
        val o = native.acquire()
        try {
            return block(o)
        } finally {
            native.release()
        }
    }
}
