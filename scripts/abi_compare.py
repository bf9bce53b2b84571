#!/usr/bin/env python3
"""Compares two dumps of the SDK's C ABI under Tower's ABI rules.

    abi_compare.py BASELINE.abi BASELINE.constants CURRENT.abi CURRENT.constants

The .abi files are abidw (libabigail) XML dumps of sdk/abi/anchors.c; the
.constants files are the SDK's `#define TOWER_*` lines. scripts/abi-check.sh
makes both. Rules (docs/sdk.md, "ABI rules"):

  * A raised TOWER_ABI_MAJOR allows anything: the kernel refuses plugins of
    another major version. (Record a new baseline afterwards.)
  * Otherwise every struct of the baseline must still exist, and its members
    must be an unchanged prefix of the current members: same names, offsets
    and types (types compared by layout: typedef names and const do not
    matter; a struct held by value is compared member by member, one behind a
    pointer by name, because it is checked on its own). Members may be
    appended at the end, and then TOWER_ABI_MINOR must have been raised.
  * Every constant of the baseline keeps its value (TOWER_ABI_MINOR may only
    grow). New types and new constants are fine.

Exit status: 0 compatible, 1 incompatible (each violation is printed).
"""
import sys
import xml.etree.ElementTree as ET


def load_types(path):
    root = ET.parse(path).getroot()
    types = {}
    for el in root.iter():
        tid = el.get("id")
        if tid is not None and el.tag != "elf-symbol":
            types[tid] = el
    return types


class Layout:
    """Canonical, name-independent descriptions of the types in one dump."""

    def __init__(self, path):
        self.types = load_types(path)
        self.structs = {}
        for el in self.types.values():
            if el.tag in ("class-decl", "union-decl") and el.get("name"):
                if el.get("is-declaration-only") != "yes":
                    self.structs[el.get("name")] = el

    def canon(self, tid, expand=True):
        el = self.types.get(tid)
        if el is None:
            return "void" if tid in (None, "") else "?" + tid
        tag = el.tag
        if tag == "type-decl":
            return "%s:%s" % (el.get("name"), el.get("size-in-bits"))
        if tag in ("typedef-decl", "qualified-type-def"):
            return self.canon(el.get("type-id"), expand)
        if tag == "pointer-type-def":
            return "ptr(%s)" % self.canon(el.get("type-id"), expand=False)
        if tag == "reference-type-def":
            return "ref(%s)" % self.canon(el.get("type-id"), expand=False)
        if tag == "array-type-def":
            dims = ",".join(s.get("length", "?") for s in el.findall("subrange"))
            return "array[%s](%s)" % (dims, self.canon(el.get("type-id")))
        if tag == "enum-decl":
            items = ",".join(
                "%s=%s" % (e.get("name"), e.get("value")) for e in el.findall("enumerator")
            )
            return "enum %s{%s}" % (el.get("name"), items)
        if tag == "function-type":
            params = []
            for p in el.findall("parameter"):
                params.append("..." if p.get("is-variadic") == "yes" else self.canon(p.get("type-id"), False))
            ret = el.find("return")
            return "fn(%s)->%s" % (",".join(params), self.canon(ret.get("type-id") if ret is not None else None, False))
        if tag in ("class-decl", "union-decl"):
            kind = "struct" if tag == "class-decl" else "union"
            name = el.get("name") or ""
            if name and not expand:
                return "%s %s" % (kind, name)
            if el.get("is-declaration-only") == "yes":
                return "%s %s (opaque)" % (kind, name)
            members = ";".join("%s@%s:%s" % m for m in self.members(el))
            return "%s %s{%s}%s" % (kind, name, members, el.get("size-in-bits"))
        return tag + "?"

    def members(self, el):
        out = []
        for dm in el.findall("data-member"):
            var = dm.find("var-decl")
            out.append((var.get("name"), dm.get("layout-offset-in-bits"), self.canon(var.get("type-id"))))
        return out


def load_constants(path):
    consts = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(None, 2)
            if len(parts) >= 2 and parts[0] == "#define":
                consts[parts[1]] = parts[2] if len(parts) > 2 else ""
    return consts


def version(consts, which):
    try:
        return int(consts["TOWER_ABI_" + which])
    except (KeyError, ValueError):
        sys.exit("abi_compare: TOWER_ABI_%s missing from the constants" % which)


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    base, base_c = Layout(argv[1]), load_constants(argv[2])
    cur, cur_c = Layout(argv[3]), load_constants(argv[4])
    bmaj, bmin = version(base_c, "MAJOR"), version(base_c, "MINOR")
    cmaj, cmin = version(cur_c, "MAJOR"), version(cur_c, "MINOR")
    print("ABI baseline %d.%d, headers %d.%d" % (bmaj, bmin, cmaj, cmin))
    if cmaj > bmaj:
        print("TOWER_ABI_MAJOR was raised: incompatible changes are allowed. "
              "Record the new baseline with scripts/abi-check.sh --update.")
        return 0
    if cmaj < bmaj:
        print("INCOMPATIBLE: TOWER_ABI_MAJOR went down from %d to %d" % (bmaj, cmaj))
        return 1

    problems, appended = [], []
    for name, el in sorted(base.structs.items()):
        now = cur.structs.get(name)
        if now is None:
            problems.append("struct %s was removed" % name)
            continue
        old_m, new_m = base.members(el), cur.members(now)
        for i, m in enumerate(old_m):
            if i >= len(new_m):
                problems.append("struct %s: member '%s' was removed" % (name, m[0]))
                break
            if new_m[i] != m:
                problems.append(
                    "struct %s: member %d changed:\n      was %s at bit %s: %s\n      now %s at bit %s: %s"
                    % (name, i, m[0], m[1], m[2], new_m[i][0], new_m[i][1], new_m[i][2]))
                break
        else:
            if len(new_m) > len(old_m):
                appended.append("struct %s: appended %s" % (name, ", ".join(m[0] for m in new_m[len(old_m):])))
            if int(now.get("size-in-bits")) < int(el.get("size-in-bits")):
                problems.append("struct %s shrank" % name)

    for name, value in sorted(base_c.items()):
        if name == "TOWER_ABI_MINOR":
            continue
        if name not in cur_c:
            problems.append("constant %s (%s) was removed" % (name, value))
        elif cur_c[name] != value:
            problems.append("constant %s changed from %s to %s" % (name, value, cur_c[name]))
    if cmin < bmin:
        problems.append("TOWER_ABI_MINOR went down from %d to %d" % (bmin, cmin))
    if appended and cmin <= bmin:
        problems.append("fields were appended but TOWER_ABI_MINOR is still %d: raise it\n    %s"
                        % (cmin, "\n    ".join(appended)))

    for a in appended:
        print("compatible: " + a)
    if problems:
        for p in problems:
            print("INCOMPATIBLE: " + p)
        print("Appending fields needs a raised TOWER_ABI_MINOR; any other change a raised "
              "TOWER_ABI_MAJOR and a new baseline (docs/sdk.md, ABI rules).")
        return 1
    print("ABI check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
