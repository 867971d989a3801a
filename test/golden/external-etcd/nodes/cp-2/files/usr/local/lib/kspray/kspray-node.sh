#!/usr/bin/env bash
# kspray node program; commented source: node/kspray-node.sh in kspray
set -Eeuo pipefail
shopt -s nullglob
export LC_ALL=C
R=${KSPRAY_ROOT:-}
ETC=$R/etc/kspray
STATE=$R/var/lib/kspray
PHASE=start
TMPF=''
BIN=$R/usr/local/bin
CURL_EXTRA=()
log() { printf 'kspray: %s\n' "$*"; }
status() {
  mkdir -p "$STATE"
  printf 'phase=%s state=%s at=%s msg=%s\n' "$PHASE" "$1" "$(date -u +%FT%TZ)" "$2" >"$STATE/status.tmp"
  mv -f "$STATE/status.tmp" "$STATE/status"
  log "$PHASE: $1${2:+: $2}"
}
die() { status failed "$*"; exit 1; }
trap 'status failed "line $LINENO: $BASH_COMMAND"' ERR
trap 'rm -f "$TMPF"' EXIT # a partial download never outlives the program
retry() {
  local label=$1 tries=$2 cap=$3 n=1 delay=2
  shift 3
  WHY=''
  until "$@"; do
    if ((n >= tries)); then die "$label: gave up after $n tries${WHY:+: $WHY}"; fi
    status running "$label: try $n/$tries failed${WHY:+ ($WHY)}, next in ${delay}s"
    sleep "$delay"
    n=$((n + 1)) delay=$((delay * 2 > cap ? cap : delay * 2)) WHY=''
  done
}
sha_ok() { printf '%s  %s\n' "$1" "$2" | sha256sum -c --status -; }
get() {
  local e
  if ! e=$(curl -fsSL --connect-timeout "${KSPRAY_CONNECT:-20}" -Y 1024 -y "${KSPRAY_STALL:-60}" -m "${KSPRAY_MAX_TIME:-1800}" "${CURL_EXTRA[@]}" -o "$2" "$1" 2>&1); then
    e=${e##*curl: } WHY=${e//$'\n'/ }
    return 1
  fi
  [[ -z ${3:-} ]] || sha_ok "$3" "$2" || { WHY="sha256 mismatch, refused: ${1##*/} (got $(sha256sum <"$2" | cut -c1-16)...)" && return 1; }
}
download() {
  local url=$1 sha=$2 dest=$3 mode=$4
  if [[ -f $dest ]] && sha_ok "$sha" "$dest"; then log "have ${dest#"$R"}"; return 0; fi
  mkdir -p "${dest%/*}"
  TMPF=$(mktemp "$dest.XXXXXX")
  retry "download $url" 6 60 get "$url" "$TMPF" "$sha"
  chmod "$mode" "$TMPF"
  mv -f "$TMPF" "$dest"
}
fetch() {
  local id url sha
  while IFS=$'\t' read -r -u 3 id url sha; do
    if [[ $id == "$1" ]]; then download "$url" "$sha" "$2" "$3"; return 0; fi
  done 3<"$ETC/downloads.tsv"
  die "no download '$1' in downloads.tsv"
}
prepare_os() {
  local m f
  swapoff -a
  if [[ -f $R/etc/fstab ]]; then sed -i -E 's/^([^#].*[[:space:]]swap[[:space:]].*)$/#\1/' "$R/etc/fstab"; fi
  for f in "$R"/etc/modules-load.d/{kubernetes,kspray-user}.conf; do
    [[ -f $f ]] || continue
    while read -r m; do
      if [[ -n $m && $m != \#* ]]; then modprobe "$m"; fi
    done <"$f"
  done
  sysctl --system >/dev/null || log "sysctl --system reported errors (above)"
  for f in "$R"/etc/sysctl.d/{90-kspray-user,99-kubernetes}.conf; do
    if [[ -f $f ]]; then sysctl -q -p "$f"; fi
  done
  install_packages
  if [[ ${KSPRAY_SELINUX:-} == permissive ]]; then
    if [[ $(getenforce 2>/dev/null || true) == Enforcing ]]; then setenforce 0; fi
    if [[ -f $R/etc/selinux/config ]]; then sed -i 's/^SELINUX=enforcing$/SELINUX=permissive/' "$R/etc/selinux/config"; fi
  fi
  if [[ ${KSPRAY_FIREWALLD:-} == disable ]] && systemctl cat firewalld.service >/dev/null 2>&1; then
    systemctl disable --now firewalld.service
  fi
}
pkg() {
  local o=$STATE/pkg.log
  "$@" >"$o" 2>&1 && cat "$o" && return 0
  cat "$o"
  WHY=$(grep -E '^(E:|Err|Error|Problem|No provider|Failed)' "$o" | tail -n 1) || true
  return 1
}
install_packages() {
  local p
  read -r -a p <<<"${KSPRAY_PACKAGES:-}"
  if ((${#p[@]} == 0)); then return 0; fi
  case ${KSPRAY_PACKAGE_MANAGER:-none} in
    apt)
      export DEBIAN_FRONTEND=noninteractive
      retry "apt-get update" 8 60 pkg apt-get -q -o DPkg::Lock::Timeout=120 update
      retry "apt-get install ${p[*]}" 8 60 pkg apt-get -q -y -o DPkg::Lock::Timeout=120 install --no-install-recommends "${p[@]}"
      ;;
    dnf) retry "dnf install ${p[*]}" 8 60 pkg dnf -q -y install "${p[@]}" ;;
    zypper)
      export ZYPP_LOCK_TIMEOUT=120
      retry "zypper install ${p[*]}" 8 60 pkg zypper --non-interactive --gpg-auto-import-keys install --no-recommends "${p[@]}"
      ;;
    *) log "no package manager: OS packages are expected to be present" ;;
  esac
}
install_runtime() {
  local c=$R/var/cache/kspray own=${KSPRAY_INSTALL_CONTAINERD:-yes} rt=${KSPRAY_CONTAINER_RUNTIME:-containerd}
  if [[ $own == yes ]]; then fetch containerd "$c/containerd.tgz" 644; fi
  fetch cni-plugins "$c/cni-plugins.tgz" 644
  fetch crictl "$c/crictl.tgz" 644
  mkdir -p "$BIN" "$R/opt/cni/bin"
  if [[ $own == yes ]]; then
    fetch runc "$R/usr/local/sbin/runc" 755
    tar -xzf "$c/containerd.tgz" -C "$R/usr/local" --no-same-owner # bin/containerd, bin/ctr, shims
  fi
  tar -xzf "$c/cni-plugins.tgz" -C "$R/opt/cni/bin" --no-same-owner
  tar -xzf "$c/crictl.tgz" -C "$BIN" --no-same-owner crictl
  if [[ $rt == cri-o ]]; then install_crio "$c"; fi
  rm -rf "$c" # installed; keeps baked images small
  systemctl daemon-reload
  systemctl enable --now "${rt/cri-o/crio}"
}
install_crio() {
  local x=$1/cri-o l=$R/usr/local/libexec/crio f
  fetch cri-o "$1/cri-o.tgz" 644
  tar -xzf "$1/cri-o.tgz" -C "$1" --no-same-owner
  install -m 755 "$x/bin/crio" "$x/bin/pinns" "$BIN/"
  for f in conmon crun runc; do install -Dm755 "$x/bin/$f" "$l/$f" 2>/dev/null || install -Dm755 "$x/bin/crio-$f" "$l/$f"; done
  install -Dm644 "$x/contrib/crio.service" "$R/etc/systemd/system/crio.service"
  if [[ ! -f $R/etc/containers/policy.json ]]; then install -Dm644 "$x/contrib/policy.json" "$R/etc/containers/policy.json"; fi
}
install_kubernetes() {
  local b
  for b in kubeadm kubelet kubectl; do fetch "$b" "$BIN/$b" 755; done
  systemctl daemon-reload
  systemctl enable kubelet # kubeadm starts it
}
install_helm() {
  local c=$R/var/cache/kspray
  fetch helm "$c/helm.tgz" 644
  mkdir -p "$BIN"
  tar -xzf "$c/helm.tgz" -C "$BIN" --no-same-owner --strip-components=1 --wildcards '*/helm'
  rm -rf "$c"
}
etcd_healthy() {
  local ca=$1 cert=$2 key=$3 url
  shift 3
  for url in "$@"; do
    if curl -fsS --max-time 10 --cacert "$ca" --cert "$cert" --key "$key" -o /dev/null "$url/health"; then return 0; fi
  done
  return 1
}
install_etcd() {
  local c=$R/var/cache/kspray pki=$R/etc/etcd/pki
  fetch etcd "$c/etcd.tgz" 644
  mkdir -p "$BIN"
  tar -xzf "$c/etcd.tgz" -C "$BIN" --no-same-owner --strip-components=1 --wildcards '*/etcd' '*/etcdctl'
  rm -rf "$c"
  mkdir -p "$R/var/lib/etcd"
  chmod 700 "$R/var/lib/etcd"
  systemctl daemon-reload
  systemctl enable etcd
  systemctl start --no-block etcd
  retry "waiting for etcd to be healthy" 120 30 etcd_healthy "$pki/ca.crt" "$pki/server.crt" "$pki/server.key" https://127.0.0.1:2379
}
wait_for_etcd() {
  local urls pki=$R/etc/kubernetes/pki
  read -r -a urls <<<"${KSPRAY_ETCD_ENDPOINTS:-}"
  if ((${#urls[@]} == 0)); then return 0; fi
  retry "waiting for etcd (${urls[*]})" 120 30 etcd_healthy "$pki/etcd/ca.crt" "$pki/apiserver-etcd-client.crt" "$pki/apiserver-etcd-client.key" "${urls[@]}"
}
kubeadm_init() {
  local vip=$R/etc/kubernetes/manifests/kube-vip.yaml
  wait_for_etcd
  kubeadm init --config "$ETC/kubeadm.yaml" --skip-token-print
  if [[ -f $vip ]]; then sed -i 's#/etc/kubernetes/super-admin.conf#/etc/kubernetes/admin.conf#' "$vip"; fi
}
join_once() {
  kubeadm join --config "$ETC/kubeadm.yaml" && return 0
  systemctl stop kubelet || true
  rm -f "$R/etc/kubernetes/kubelet.conf" "$R/etc/kubernetes/bootstrap-kubelet.conf"
  if [[ ${KSPRAY_ACTION:-} == join-worker ]]; then rm -f "$R/etc/kubernetes/pki/ca.crt"; fi
  return 1
}
kubeadm_join() {
  local urls url
  wait_for_etcd
  read -r -a urls <<<"${KSPRAY_WAIT_FOR:-}"
  for url in "${urls[@]}"; do
    retry "waiting for $url" 120 30 curl -fsk --max-time 10 -o /dev/null "$url"
  done
  retry "kubeadm join" 10 60 join_once
  if [[ -n ${KSPRAY_LOCAL_API_SERVER:-} ]]; then
    sed -i -E "s#^([[:space:]]*server:).*#\1 $KSPRAY_LOCAL_API_SERVER#" "$R/etc/kubernetes/kubelet.conf"
    systemctl restart kubelet
  fi
}
cluster_addons() {
  local file url sha ns f
  local -A ns_of=()
  export KUBECONFIG=$R/etc/kubernetes/admin.conf
  retry "waiting for the API" 60 30 kubectl get --raw /readyz --request-timeout=10s
  if [[ -f $ETC/addons.tsv ]]; then
    while IFS=$'\t' read -r -u 3 file url sha ns; do
      if [[ -n $file && $file != \#* ]]; then download "$url" "$sha" "$ETC/addons/$file" 644; ns_of[$file]=$ns; fi
    done 3<"$ETC/addons.tsv"
  fi
  for f in "$ETC"/addons/*.yaml; do
    ns=${ns_of[${f##*/}]:-}
    retry "apply ${f##*/}" 10 60 kubectl apply --request-timeout=120s --server-side --force-conflicts ${ns:+-n "$ns"} -f "$f"
  done
  if [[ -n ${KSPRAY_KUBE_PROXY_SERVER:-} ]]; then
    retry "point kube-proxy at $KSPRAY_KUBE_PROXY_SERVER" 10 30 repoint_kube_proxy
  fi
}
repoint_kube_proxy() {
  kubectl -n kube-system get configmap kube-proxy -o yaml |
    sed -E "s#^([[:space:]]*server:).*#\1 $KSPRAY_KUBE_PROXY_SERVER#" |
    kubectl replace -f - &&
    kubectl -n kube-system rollout restart daemonset kube-proxy
}
fetch_secrets() {
  local f=$STATE/secrets.tar CURL_EXTRA=()
  [[ ! -f $ETC/secrets-ca.crt ]] || CURL_EXTRA=(--cacert "$ETC/secrets-ca.crt")
  download "$KSPRAY_SECRETS_URL" "$(<"$ETC/secrets.sha256")" "$f" 600
  tar -xpf "$f" -C "$R/"
  rm "$f"
}
finish() { date -u +%FT%TZ >"$STATE/done"; }
phase() {
  local name=$1 fn=$2 key marker=$STATE/phases/$1.done
  shift 2
  PHASE=$name
  key=$({ cat "$@" 2>/dev/null || true; } | sha256sum)
  if [[ -f $marker && $(<"$marker") == "$key" ]]; then log "$name: done before, skipping"; return 0; fi
  status running "started"
  "$fn"
  printf '%s\n' "$key" >"$marker"
  status 'done' ""
}
main() {
  local only_install=false env_file=${KSPRAY_ENV_FILE:-$ETC/node.env}
  case ${1:-} in
    --only-install) only_install=true ;;
    '') ;;
    *) echo "usage: ${0##*/} [--only-install]" >&2; exit 2 ;;
  esac
  # shellcheck source=/dev/null # generated per node (node.env in docs/node-contract.md)
  if [[ -f $env_file ]]; then source "$env_file"; elif ! $only_install; then die "missing $env_file"; fi
  if [[ -n ${KSPRAY_NO_PROXY:-} ]]; then export http_proxy=$KSPRAY_HTTP_PROXY https_proxy=$KSPRAY_HTTPS_PROXY no_proxy=$KSPRAY_NO_PROXY; fi
  case ${KSPRAY_ACTION:-} in
    init | join-control-plane | join-worker | etcd) ;;
    *) $only_install || die "KSPRAY_ACTION must be init, join-control-plane, join-worker or etcd" ;;
  esac
  BIN=$R${KSPRAY_BIN_DIR:-/usr/local/bin}
  PATH=$PATH:${KSPRAY_BIN_DIR:-/usr/local/bin}
  mkdir -p "$STATE/phases"
  phase prepare-os prepare_os "$R/etc/sysctl.d/99-kubernetes.conf" "$R/etc/modules-load.d/kubernetes.conf"
  [[ -z ${KSPRAY_SECRETS_URL:-} ]] || $only_install || phase secrets fetch_secrets "$ETC/secrets.sha256"
  if [[ ${KSPRAY_ACTION:-} == etcd ]] && ! $only_install; then
    phase etcd install_etcd "$ETC/downloads.tsv"
    phase 'done' finish
    return 0
  fi
  phase install-runtime install_runtime "$ETC/downloads.tsv"
  phase install-kubernetes install_kubernetes "$ETC/downloads.tsv"
  if grep -q $'^helm\t' "$ETC/downloads.tsv"; then phase install-helm install_helm "$ETC/downloads.tsv"; fi
  if $only_install; then log "install phases done (--only-install)"; return 0; fi
  if [[ ${KSPRAY_ETCD_MEMBER:-} == yes ]]; then phase etcd install_etcd "$ETC/downloads.tsv"; fi
  if [[ ${KSPRAY_ACTION:-} == init ]]; then
    phase init kubeadm_init
    phase cluster-addons cluster_addons
  else
    phase join kubeadm_join
  fi
  phase 'done' finish
}
main "$@"
