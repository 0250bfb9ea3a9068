# ports.sh: choose TCP ports that nothing listens on (sourced).

# port_taken PORT: true when something accepts connections on PORT.
port_taken() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port PREFERRED [AVOID...]: PREFERRED when nothing listens there,
# else a free port between 20000 and 29999; never one of AVOID.
free_port() {
	local want=$1 port
	shift
	port=$want
	for _ in $(seq 1 200); do
		if ! port_taken "$port" && [[ " $* " != *" $port "* ]]; then
			echo "$port"
			return 0
		fi
		port=$((20000 + RANDOM % 10000))
	done
	echo "no free port found" >&2
	return 1
}
