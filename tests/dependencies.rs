//! Every library dependency in Cargo.toml is used by the code in src/: an unused one is build time,
//! supply-chain surface and a misleading promise (a listed `subtle` suggests constant-time code
//! that does not use it).

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_dependency_is_used_by_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut sources = Vec::new();
    rust_files(&root.join("src"), &mut sources);
    let section = manifest.split("\n[dependencies]\n").nth(1).expect("a [dependencies] section");
    let section = section.split("\n[").next().unwrap();
    let names: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split(['=', ' ']).next())
        .collect();
    assert!(names.contains(&"hmac") && names.len() >= 5, "{names:?}");
    let unused: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| {
            let path = format!("{}::", name.replace('-', "_"));
            !sources.iter().any(|s| s.contains(&path))
        })
        .collect();
    assert!(unused.is_empty(), "dependencies src/ never uses: {unused:?}");
}
