# $1 is 0 when the package goes (not on an upgrade).
if [ "$1" = 0 ] && [ -d /run/systemd/system ]; then
    systemctl --no-reload disable --now presently-server.service >/dev/null 2>&1 || true
fi
exit 0
