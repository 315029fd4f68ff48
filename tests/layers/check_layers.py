#!/usr/bin/env python3
"""The layer graph, enforced: every source and header of a layer may reach (through any chain of
#includes) only the layers below it, and each external library stays in its one layer. Two
seams besides: core (the settings schema, values, random numbers) includes nothing but the C++
standard library, so that reading and checking settings never drags in Boost or another
library the cli layer owns; and a layer's private headers (src/<layer>/*.hpp: the es layer's
joint searches, HDF5 handles, the CVODES state) are included only from their own folder. And the
registries are the only way in to what they register: a neuron model's header (one that
static_asserts the neuron_model concept) is included only from src/models, where
neuron_registry.cpp instantiates the network engine for it; a task's header (tasks/*_task.hpp)
only from src/tasks, where tasks/registry.cpp names it; strategies have no public header at all
(src/es/registry.cpp). So a new model, task or strategy is its own file plus one registration
line, and nothing above its layer can come to depend on it. Run by
ctest (test `layers`); prints every violation with the include chain that causes it.

    check_layers.py SOURCE_DIR
"""
import pathlib
import re
import sys

# What each layer may reach, itself included (README, "What is inside").
ALLOWED = {
    "core": {"core"},
    "ode": {"core", "ode"},
    "models": {"core", "ode", "models"},
    "tasks": {"core", "ode", "models", "tasks"},
    "es": {"core", "es"},
    "dist": {"core", "dist"},
    "analysis": {"core", "ode", "models", "tasks", "es", "dist", "analysis"},
    "train": {"core", "ode", "models", "tasks", "es", "dist", "train"},
    # io writes the trainer's plain data (train/train_state.hpp), never tasks, models or solvers.
    "io": {"core", "es", "train", "io"},
    "cli": {"core", "ode", "models", "tasks", "es", "dist", "analysis", "train", "io", "cli"},
}
# External headers and the one layer each belongs to.
EXTERNAL = [
    (re.compile(r"^mpi\.h$"), "dist", "MPI"),
    (re.compile(r"^(cvodes?|sundials|nvector|sunmatrix|sunlinsol|sunnonlinsol)/"), "ode", "SUNDIALS"),
    (re.compile(r"^(hdf5|H5[A-Za-z]*)\.h$"), "io", "HDF5"),
    (re.compile(r"^boost/program_options"), "cli", "Boost.Program_options"),
]
# A C++ standard library header: no extension, no directory (<vector>, <cstdint>).
STANDARD = re.compile(r"^[a-z_]+$")
MODEL = re.compile(r"static_assert\((models::)?neuron_model<")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path, root):
    rel = path.relative_to(root).parts
    if rel[0] == "include" and len(rel) > 2 and rel[1] == "esbio":
        return rel[2] if len(rel) > 3 else None  # include/esbio/version.hpp.in: no layer
    if rel[0] == "src" and len(rel) > 2:
        return rel[1]
    return None


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    files = sorted(p for d in ("src", "include") for p in (root / d).rglob("*")
                   if p.suffix in (".hpp", ".cpp", ".h"))
    direct = {}
    for f in files:
        deps = []
        for kind, name in INCLUDE.findall(f.read_text()):
            if name.startswith("esbio/"):
                target = root / "include" / name
                if target.exists():
                    deps.append(("esbio", target))
            elif kind == '"' and (f.parent / name).exists():
                deps.append(("esbio", (f.parent / name).resolve()))
            else:
                deps.append(("external", name))
        direct[f] = deps

    def closure(f, seen):
        for kind, d in direct.get(f, []):
            if kind == "esbio" and d not in seen:
                seen[d] = f
                closure(d, seen)
        return seen

    # What only a registry may include: neuron models (src/models) and tasks (src/tasks).
    registered = {}
    for f in files:
        rel = f.relative_to(root).parts
        if rel[:3] == ("include", "esbio", "models") and MODEL.search(f.read_text()):
            registered[f] = "models"
        elif rel[:3] == ("include", "esbio", "tasks") and f.name.endswith("_task.hpp"):
            registered[f] = "tasks"

    problems = []
    for f in files:
        layer = layer_of(f, root)
        if layer is None:
            continue
        if layer not in ALLOWED:
            problems.append(f"{f.relative_to(root)}: layer '{layer}' is not in the layer graph")
            continue
        seen = closure(f, {})
        for dep, via in seen.items():
            dep_layer = layer_of(dep, root)
            if dep_layer is not None and dep_layer not in ALLOWED[layer]:
                chain = [dep]
                while chain[-1] != f:
                    chain.append(seen[chain[-1]])
                path = " <- ".join(str(p.relative_to(root)) for p in chain)
                problems.append(f"{layer} reaches {dep_layer}: {path}")
        for kind, dep in direct[f]:
            home = registered.get(dep) if kind == "esbio" else None
            if home and f.relative_to(root).parts[:2] not in (("src", home), ("include", "esbio")):
                problems.append(f"{f.relative_to(root)}: includes {dep.relative_to(root)}, "
                                f"reached only through the {home} registry")
            if home and f.relative_to(root).parts[:2] == ("include", "esbio") and \
                    layer_of(f, root) != home:
                problems.append(f"{f.relative_to(root)}: includes {dep.relative_to(root)}, "
                                f"reached only through the {home} registry")
            rel = dep.relative_to(root).parts if kind == "esbio" else ()
            if rel[:1] == ("src",) and rel[1] != f.relative_to(root).parts[1:2][0]:
                problems.append(f"{f.relative_to(root)}: includes {dep.relative_to(root)}, "
                                f"private to src/{rel[1]}")
            if kind == "external" and layer == "core" and not STANDARD.match(dep):
                problems.append(f"{f.relative_to(root)}: core includes <{dep}>, not the C++ "
                                "standard library")
        for kind, name in direct[f]:
            if kind != "external":
                continue
            for pattern, home, what in EXTERNAL:
                if pattern.search(name) and layer != home:
                    problems.append(f"{f.relative_to(root)}: {what} ({name}) belongs to {home}")
    for p in sorted(set(problems)):
        print("FAIL", p)
    print(f"{len(files)} files checked, {len(set(problems))} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
