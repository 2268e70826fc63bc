install -d -o presently -g presently -m 0750 /var/lib/presently
# It may hold secrets (the Redis password): root writes it, the service's group reads it.
if [ -f /etc/presently/server.conf ]; then
    chown root:presently /etc/presently/server.conf
    chmod 0640 /etc/presently/server.conf
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
