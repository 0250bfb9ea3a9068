#!/bin/sh
# The official redis image's entrypoint contract, for the stand-in image.
set -e
case "$1" in
-*|*.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
	shift
	# Earlier options lose to later ones: the caller's arguments still win.
	set -- redis-server --protected-mode no "$@"
	if [ "$(id -u)" = 0 ]; then
		find . \! -user redis -exec chown redis:redis '{}' +
		exec setpriv --reuid=redis --regid=redis --init-groups "$@"
	fi
fi
exec "$@"
