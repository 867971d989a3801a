# Reads YAML documents the way cloud-init 22.4 does (cloudinit.util.load_yaml over its safeyaml
# loader, i.e. PyYAML's YAML 1.1 SafeLoader) and prints them as JSON. One document per line of
# stdin input is not assumed: stdin is a JSON list of YAML texts, stdout a JSON list of results.
import json
import sys

from cloudinit import util

texts = json.load(sys.stdin)
out = []
for text in texts:
    # allowed=(dict, list) so a bare list round-trips too; a failed load returns the sentinel.
    loaded = util.load_yaml(text, default="<<load failed>>", allowed=(dict, list))
    out.append(loaded)
json.dump(out, sys.stdout, default=lambda v: {"<<non-json>>": repr(v)})
