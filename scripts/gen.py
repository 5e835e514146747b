import json, sys
d = json.load(open('/tmp/exif-gen/tags.json'))
FMT = {'int8u':1,'string':2,'int16u':3,'int32u':4,'rational64u':5,'int8s':6,'undef':7,'int16s':8,'int32s':9,'rational64s':10,'float':11,'double':12,'binary':7}
def rs(s):
    s = str(s) if not isinstance(s, float) else repr(s)
    out = '"'
    for ch in s:
        if ch == '"': out += '\\"'
        elif ch == '\\': out += '\\\\'
        elif ord(ch) < 0x20 or ord(ch) == 0x7f: out += '\\u{%x}' % ord(ch)
        else: out += ch
    return out + '"'
out = ["// @generated from ExifTool's Image::ExifTool::Exif::Main and GPS::Main tables by",
       "// /tmp/exif-gen/gen.py (tag names, Priority => 0, read formats and simple PrintConv hashes).",
       "// Conditional entries are resolved in code (see `super::tag_name`).", "",
       "use super::TagDef;", ""]
for table, const in (('Image::ExifTool::Exif::Main','EXIF_TAGS'),('Image::ExifTool::GPS::Main','GPS_TAGS')):
    seen = set(); rows = []
    for x in d:
        if x['table'] != table or x['id'] in seen: continue
        seen.add(x['id'])
        if x.get('unknown'): continue
        pc = x.get('PrintConv')
        m = sorted(pc.items(), key=lambda kv: (len(kv[0]), kv[0])) if isinstance(pc, dict) else []
        fmt = FMT.get(x.get('format') or '', 0)
        flags = []
        binary = 1 if x.get('binary') else 0
        sub = 1 if x.get('subdir') else 0
        prio0 = 1 if x.get('priority') == 0 else 0
        mp = "&[" + ", ".join(f"({rs(k)}, {rs(v)})" for k, v in m) + "]"
        rows.append(f"    TagDef {{ id: 0x{x['id']:04x}, name: {rs(x['name'])}, prio0: {'true' if prio0 else 'false'}, fmt: {fmt}, binary: {'true' if binary else 'false'}, subdir: {'true' if sub else 'false'}, map: {mp} }},")
    out.append(f"pub static {const}: &[TagDef] = &[")
    out += rows
    out.append("];")
    out.append("")
open(sys.argv[1], 'w').write("\n".join(out))
