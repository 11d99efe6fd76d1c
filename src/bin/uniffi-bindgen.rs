//! Writes the Kotlin and Swift bindings (`scripts/gen-bindings.sh`).
fn main() {
    uniffi::uniffi_bindgen_main()
}
