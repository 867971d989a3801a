# Renders a network-config file with cloud-init's own code (the extracted Debian cloud-init 22.4):
# parse_net_config_data, then the networkd and ENI renderers Debian images use. Prints JSON.
import json, sys, yaml
from cloudinit.net import network_state, networkd, eni

cfg = yaml.safe_load(open(sys.argv[1]))
ns = network_state.parse_net_config_data(cfg)
out = {
    "interfaces": [
        {"name": i["name"], "subnets": [{k: s.get(k) for k in ("type", "address", "prefix", "gateway")} for s in i["subnets"]]}
        for i in ns.iter_interfaces()
    ],
    "nameservers": ns.dns_nameservers,
    "networkd": networkd.Renderer({})._render_content(ns),
    "eni": eni.Renderer({})._render_interfaces(ns),
}
print(json.dumps(out))
