#!/usr/bin/env bash
# busybox-rootfs.sh - build the rootfs tar of Berth's default image (busybox:latest)
# from Debian's static busybox, the same way ../shared/acceptance/prepare-images.sh
# builds its busybox flavour, so `npm start`, the tests and the acceptance suite all
# see the same image content. Nothing is pulled: this machine reaches no image registry.
#
# Two ways to use it:
#   scripts/lib/busybox-rootfs.sh OUT.tar        # prints OUT.tar when done
#   source scripts/lib/busybox-rootfs.sh; busybox_rootfs_tar OUT.tar
# Env: BUSYBOX_BIN (default /bin/busybox; must be statically linked: busybox-static).
# Needs root (chroot runs busybox --install inside the new tree).

# busybox_rootfs_tar OUT.tar : write the tar, print its path
busybox_rootfs_tar() {
  local out=${1:?usage: busybox_rootfs_tar OUT.tar} bb=${BUSYBOX_BIN:-/bin/busybox} r rc=0
  if [ ! -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
    echo "busybox-rootfs: $bb is not a static busybox (apt-get install busybox-static)" >&2
    return 1
  fi
  r=$(mktemp -d /tmp/bt-bbroot-XXXXXX) || return 1
  _busybox_fill_root "$r" "$bb" && mkdir -p "$(dirname "$out")" &&
    tar -C "$r" --numeric-owner -cf "$out.tmp" . && mv "$out.tmp" "$out" || rc=$?
  rm -rf --one-file-system "$r"
  [ "$rc" = 0 ] || { rm -f "$out.tmp"; echo "busybox-rootfs: building $out failed" >&2; return "$rc"; }
  echo "$out"
}

# _busybox_fill_root DIR BUSYBOX : lay out the tree. Every step ends in `|| return`
# because `set -e` is void inside a function called from an `&&`/`||` list.
_busybox_fill_root() {
  local r=$1 bb=$2
  chmod 755 "$r" || return
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/tmp,var/log,proc,sys,dev,run,mnt,opt,srv} || return
  chmod 1777 "$r/tmp" "$r/var/tmp" || return
  chmod 700 "$r/root" || return
  cp "$bb" "$r/bin/busybox" || return
  # absolute path: inside a bare chroot busybox cannot find itself via /proc/self/exe
  chroot "$r" /bin/busybox --install -s || return
  # Debian's busybox has no 'bash' applet; dockerode-style tests run /bin/bash -c
  printf '#!/bin/sh\nexec /bin/sh "$@"\n' > "$r/bin/bash" || return
  chmod 755 "$r/bin/bash" || return
  cat > "$r/etc/passwd" <<'PASSWD' || return
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
  cat > "$r/etc/group" <<'GROUP' || return
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
staff:x:50:
users:x:100:
nogroup:x:65534:
GROUP
  cat > "$r/etc/shadow" <<'SHADOW' || return
root:*:10933:0:99999:7:::
nobody:*:10933:0:99999:7:::
SHADOW
  chmod 640 "$r/etc/shadow" || return
  # like the hello-world image's /hello (prepare-images.sh puts it in every flavour)
  cat > "$r/hello" <<'HELLO' || return
#!/bin/sh
echo
echo "Hello from Docker!"
echo "This message shows that your installation appears to be working correctly."
HELLO
  chmod 755 "$r/hello"
}

# run as a program (not sourced)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  busybox_rootfs_tar "${1:?usage: $0 OUT.tar}"
fi
