//! `cargo xtask layers`: the import graph between the crate's top-level modules, and the
//! cycles in it (issue 12 asks for none). An edge is any `crate::x` (or `super::x` reaching
//! another top-level module) outside comments and unit tests; `use crate::{a, b}` names both.
//! Prints each cycle with the edges inside it and exits 1 while there is one.

use std::io::Write as _;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules it uses, each with the files that do.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

pub fn run() -> Result<bool, String> {
    let src = Path::new("src");
    let mut files = Vec::new();
    walk(src, &mut files).map_err(|e| format!("cannot read src/: {e}"))?;
    let mut graph = Graph::new();
    for file in &files {
        let Some(module) = module_of(src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        graph.entry(module[0].clone()).or_default();
        for used in references(&code_of(&text), &module, file.ends_with("mod.rs")) {
            if used != module[0] {
                graph
                    .entry(module[0].clone())
                    .or_default()
                    .entry(used)
                    .or_default()
                    .insert(file.display().to_string());
            }
        }
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m, _| known.contains(m));
    }
    let cycles = cycles(&graph);
    let edges: usize = graph.values().map(BTreeMap::len).sum();
    // Written with `writeln!`, ignoring a closed pipe (`| head`), instead of `println!`.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{} top-level modules, {edges} edges, {} cycle(s)",
        graph.len(),
        cycles.len()
    );
    for cycle in &cycles {
        let names: Vec<&str> = cycle.iter().map(String::as_str).collect();
        let _ = writeln!(out, "cycle of {}: {}", cycle.len(), names.join(", "));
        for from in cycle {
            for (to, why) in &graph[from] {
                if cycle.contains(to) {
                    let files: Vec<&str> = why.iter().map(String::as_str).take(3).collect();
                    let _ = writeln!(out, "  {from} -> {to}  ({})", files.join(", "));
                }
            }
        }
    }
    Ok(cycles.is_empty())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_none_or(|n| n != "tests.rs")
        {
            // `tests.rs` files are unit tests (`#[cfg(test)] mod tests;`), as inline ones are.
            files.push(path);
        }
    }
    Ok(())
}

/// The module path of a file under `src/` (`src/loans/pages.rs` → `[loans, pages]`); none for
/// the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    let root = parts.is_empty() || parts == ["lib"] || parts == ["main"];
    (!root).then_some(parts)
}

/// The text without comments and without the unit tests at the end.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a file's code names.
fn references(code: &str, module: &[String], is_mod_rs: bool) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find("};").unwrap_or(group.len());
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        used.extend(first_ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
        } else {
            used.extend(first_ident(rest));
        }
    }
    // `super::x` from a file in a folder names a sibling; from a top-level file, another
    // top-level module.
    let parent_is_root = if is_mod_rs {
        module.len() == 1
    } else {
        module.len() == 2
    };
    if parent_is_root {
        for (at, _) in code.match_indices("super::") {
            used.extend(first_ident(&code[at + 7..]));
        }
    }
    used
}

fn first_ident(text: &str) -> Option<String> {
    let ident: String = text
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!ident.is_empty() && ident.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .then_some(ident)
}

/// The strongly connected components of more than one module (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph[v].keys() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}
