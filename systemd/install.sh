#!/bin/sh
# Installs kobertd as a socket-activated systemd service, or removes it.
#
#   sudo systemd/install.sh                 # build (release) if needed, install, enable kobertd.socket
#   sudo systemd/install.sh --uninstall     # stop, disable, remove what was installed (keeps /etc/kobertd)
#   sudo systemd/install.sh --uninstall --purge   # also remove /etc/kobertd
#
# Environment: PREFIX (default /usr/local), DESTDIR (stage into a folder; no systemctl calls),
# BIN (folder with built kobertd and kobert; default .build/release, built when missing),
# MODELS (default models/: nsmc.kbt, ner.kbt or the nsmc/ ner/ folders, and tokenizer/).
# Clients must be in group "kobert":  sudo usermod -aG kobert $USER
set -eu

cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
MODELS=${MODELS:-models}
UNIT_DIR=$DESTDIR/etc/systemd/system
SHARE=$PREFIX/share/kobertd
mode=install
purge=no
for arg in "$@"; do
    case "$arg" in
        --uninstall) mode=uninstall ;;
        --purge) purge=yes ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

live_systemd() { [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; }

if [ "$mode" = uninstall ]; then
    if live_systemd; then
        systemctl disable --now kobertd.socket kobertd.service 2>/dev/null || true
    fi
    rm -f "$UNIT_DIR/kobertd.service" "$UNIT_DIR/kobertd.socket" \
          "$DESTDIR/etc/sysusers.d/kobertd.conf" "$DESTDIR/etc/tmpfiles.d/kobertd.conf" \
          "$DESTDIR$PREFIX/bin/kobertd" "$DESTDIR$PREFIX/bin/kobert"
    rm -rf "$DESTDIR$SHARE"
    [ "$purge" = yes ] && rm -rf "$DESTDIR/etc/kobertd"
    if live_systemd; then systemctl daemon-reload; fi
    if [ "$purge" = yes ]; then echo "kobertd uninstalled, /etc/kobertd removed"; else echo "kobertd uninstalled (/etc/kobertd kept)"; fi
    exit 0
fi

# Binaries: use a release build, building it when missing.
BIN=${BIN:-.build/release}
if [ ! -x "$BIN/kobertd" ] || [ ! -x "$BIN/kobert" ]; then
    swift build -c release --product kobertd
    swift build -c release --product kobert
fi
install -d "$DESTDIR$PREFIX/bin" "$DESTDIR$SHARE/models" "$UNIT_DIR" \
           "$DESTDIR/etc/sysusers.d" "$DESTDIR/etc/tmpfiles.d" "$DESTDIR/etc/kobertd"
install -m 0755 "$BIN/kobertd" "$DESTDIR$PREFIX/bin/kobertd"
install -m 0755 "$BIN/kobert" "$DESTDIR$PREFIX/bin/kobert"

# Models: packed files when present, else model folders; plus the tokenizer.
models_conf=""
for task in nsmc ner qa embed; do
    if [ -f "$MODELS/$task.kbt" ]; then
        install -m 0644 "$MODELS/$task.kbt" "$DESTDIR$SHARE/models/$task.kbt"
        models_conf="${models_conf}model = $task=$SHARE/models/$task.kbt\n"
    elif [ -d "$MODELS/$task" ]; then
        cp -r "$MODELS/$task" "$DESTDIR$SHARE/models/$task"
        models_conf="${models_conf}model = $task=$SHARE/models/$task\n"
    fi
done
[ -d "$MODELS/tokenizer" ] && cp -r "$MODELS/tokenizer" "$DESTDIR$SHARE/models/tokenizer"
chmod -R a+rX "$DESTDIR$SHARE"

# Config: never overwrite an edited one; list the models that were installed.
if [ ! -f "$DESTDIR/etc/kobertd/kobertd.conf" ]; then
    if [ -n "$models_conf" ]; then
        grep -v '^model = ' systemd/kobertd.conf > "$DESTDIR/etc/kobertd/kobertd.conf"
        printf "\n# Installed by systemd/install.sh\n$models_conf" >> "$DESTDIR/etc/kobertd/kobertd.conf"
    else
        echo "install.sh: no models in $MODELS/ (nsmc.kbt, ner.kbt…); edit /etc/kobertd/kobertd.conf" >&2
        sed "s#/usr/local#$PREFIX#g" systemd/kobertd.conf > "$DESTDIR/etc/kobertd/kobertd.conf"
    fi
    chmod 0644 "$DESTDIR/etc/kobertd/kobertd.conf"
fi

sed "s#/usr/local/bin/kobertd#$PREFIX/bin/kobertd#" systemd/kobertd.service > "$UNIT_DIR/kobertd.service"
install -m 0644 systemd/kobertd.socket "$UNIT_DIR/kobertd.socket"
chmod 0644 "$UNIT_DIR/kobertd.service"
install -m 0644 systemd/kobertd.sysusers "$DESTDIR/etc/sysusers.d/kobertd.conf"
install -m 0644 systemd/kobertd.tmpfiles "$DESTDIR/etc/tmpfiles.d/kobertd.conf"

if live_systemd; then
    systemd-sysusers /etc/sysusers.d/kobertd.conf
    systemd-tmpfiles --create /etc/tmpfiles.d/kobertd.conf
    systemctl daemon-reload
    systemctl enable --now kobertd.socket
    echo "kobertd installed: socket /run/kobertd/kobertd.sock (group kobert); try: kobert health"
else
    echo "kobertd staged under ${DESTDIR:-/} (systemd not running here: enable kobertd.socket yourself)"
fi
