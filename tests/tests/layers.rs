//! The loader's modules form layers: the graph of `crate::` references between the
//! top-level modules of `loader/src` (root re-exports resolved to their module, test
//! modules left out) has no cycle. docs/ARCHITECTURE.md draws the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Source text without `#[cfg(test)]` modules and `//` comments.
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open) = after.find('{').filter(|&o| after[..o].contains("mod ")) else {
            out.push_str("#[cfg(test)]");
            rest = &after["#[cfg(test)]".len()..];
            continue;
        };
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers named by `crate::X` and `crate::{X, Y::Z}`.
fn crate_references(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let body = &group[..group.find('}').unwrap_or(group.len())];
            for part in body.split(',') {
                names.push(ident(part.trim()));
            }
        } else {
            names.push(ident(rest));
        }
    }
    names
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in fs::read_dir(path).unwrap().flatten() {
        files.extend(rust_files(&entry.path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// Top-level module → the modules it references.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeMap::new();
    for entry in fs::read_dir(src).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let is_test = name == "tests" || name.ends_with("_tests");
        if name == "lib"
            || is_test
            || (path.is_file() && path.extension().is_none_or(|e| e != "rs"))
        {
            continue;
        }
        modules.insert(name, rust_files(&path));
    }
    // `pub use module::{A, B};` in lib.rs: `crate::A` is a reference to `module`.
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut reexports = BTreeMap::new();
    for line in lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub use "))
    {
        let (module, items) = line.split_once("::").unwrap_or((line, ""));
        for item in items.trim_matches(|c| "{};".contains(c)).split(',') {
            let item = item.rsplit(" as ").next().unwrap_or("").trim();
            reexports.insert(item.to_string(), module.to_string());
        }
    }
    let mut graph = BTreeMap::new();
    for (name, files) in &modules {
        let mut edges = BTreeSet::new();
        for file in files {
            let text = without_tests(&fs::read_to_string(file).unwrap());
            for reference in crate_references(&text) {
                let target = reexports.get(&reference).cloned().unwrap_or(reference);
                if modules.contains_key(&target) && &target != name {
                    edges.insert(target);
                }
            }
        }
        graph.insert(name.clone(), edges);
    }
    graph
}

/// A cycle through `node`, if depth-first search from it finds one.
fn find_cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    node: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(at) = path.iter().position(|n| n == node) {
        let mut cycle = path[at..].to_vec();
        cycle.push(node.to_string());
        return Some(cycle);
    }
    if done.contains(node) {
        return None;
    }
    path.push(node.to_string());
    for next in &graph[node] {
        if let Some(cycle) = find_cycle(graph, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(node.to_string());
    None
}

#[test]
fn loader_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../loader/src");
    let graph = module_graph(&src);
    assert!(
        graph.len() > 20,
        "expected the loader's modules, found {graph:?}"
    );
    assert!(
        graph["instantiate"].contains("store"),
        "the scan finds references"
    );
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = find_cycle(&graph, node, &mut Vec::new(), &mut done) {
            panic!(
                "import cycle among the loader's modules: {}",
                cycle.join(" -> ")
            );
        }
    }
}

#[test]
fn the_scan_sees_a_cycle() {
    let text = "use crate::{a, b::C};\n#[cfg(test)]\nmod tests { use crate::z; }\n// crate::y\n";
    assert_eq!(crate_references(&without_tests(text)), ["a", "b"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "a")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), [v.to_string()].into()))
        .collect();
    let cycle = find_cycle(&graph, "a", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(cycle.unwrap(), ["a", "b", "a"]);
}
