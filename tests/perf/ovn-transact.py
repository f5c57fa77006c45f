#!/usr/bin/env python3
# Sends OVSDB transactions over a unix socket for the ovn-controller race
# (tests/perf/ovn-race.sh).  The transactions of a 50k-port network are
# tens of MB, too big for ovsdb-client's command line, so they go as one
# JSON-RPC request read from a file.
#
# usage: ovn-transact.py SOCKET FILE
#            sends the transact params in FILE (["DB", op, ...]) and fails
#            on any error; prints the time it took in ms;
#        ovn-transact.py --bind SOCKET BINDINGS
#            binds every logical port of BINDINGS ({port: chassis name}, as
#            ovn-convert.py writes it) to its chassis in OVN_Southbound:
#            sets Port_Binding.chassis by _uuid (a "where logical_port"
#            update would scan the table once per port); prints the ms;
#        ovn-transact.py --wait-nb-cfg CHASSIS TARGET READY_FILE SOCKET
#            monitors Chassis_Private in OVN_Southbound, creates READY_FILE
#            once the monitor is in place, and blocks until CHASSIS's
#            nb_cfg is at least TARGET; prints the wall clock then, in ms
#            (no polling: the server sends each change as it happens).
import argparse
import codecs
import json
import socket
import sys
import time


class Connection:
    """A JSON-RPC connection to an ovsdb-server; owns its socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buffer = ""
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.decoder = json.JSONDecoder()
        self.next_id = 0

    def call(self, method, params):
        """Sends request 'method' and returns its result, answering the
        server's echo requests meanwhile; raises on an error reply."""
        self.next_id += 1
        request = {"method": method, "params": params, "id": self.next_id}
        self.sock.sendall(json.dumps(request,
                                     separators=(",", ":")).encode())
        while True:
            message = self.next_message()
            if message.get("id") == self.next_id:
                if message.get("error"):
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message["result"]

    def next_message(self):
        """Returns the server's next message other than an echo request,
        answering those meanwhile."""
        while True:
            message = self.receive()
            if message.get("method") != "echo":
                return message
            self.sock.sendall(json.dumps(
                {"result": message["params"], "id": message["id"]}).encode())

    def receive(self):
        """Returns the next whole JSON message from the server."""
        while True:
            text = self.buffer.lstrip()
            if text:
                try:
                    message, end = self.decoder.raw_decode(text)
                    self.buffer = text[end:]
                    return message
                except ValueError:
                    pass
            data = self.sock.recv(1 << 20)
            if not data:
                raise RuntimeError("ovsdb-server closed the connection")
            self.buffer += self.utf8.decode(data)

    def transact(self, params):
        """Runs transaction 'params' and raises if any operation failed."""
        results = self.call("transact", params)
        for n, result in enumerate(results):
            if result and "error" in result:
                where = json.dumps(params[n + 1])[:300] \
                    if n + 1 < len(params) else "commit"
                raise RuntimeError("transaction failed at %s: %s"
                                   % (where, result))
        return results


def bind(connection, bindings):
    """Sets the chassis of every Port_Binding named in 'bindings'."""
    db = "OVN_Southbound"
    chassis_rows, port_rows = connection.transact([
        db,
        {"op": "select", "table": "Chassis", "where": [],
         "columns": ["_uuid", "name"]},
        {"op": "select", "table": "Port_Binding", "where": [],
         "columns": ["_uuid", "logical_port"]}])
    chassis = {row["name"]: row["_uuid"] for row in chassis_rows["rows"]}
    ports = {row["logical_port"]: row["_uuid"] for row in port_rows["rows"]}
    ops = [db]
    for port, name in bindings.items():
        if port not in ports:
            raise RuntimeError("no Port_Binding for %s" % port)
        if name not in chassis:
            raise RuntimeError("no Chassis %s" % name)
        ops.append({"op": "update", "table": "Port_Binding",
                    "where": [["_uuid", "==", ports[port]]],
                    "row": {"chassis": chassis[name]}})
    connection.transact(ops)


def wait_nb_cfg(connection, chassis, target, ready_file):
    """Returns once Chassis_Private 'chassis' has an nb_cfg of at least
    'target', having created 'ready_file' when the monitor was set up."""
    rows = {}

    def apply(updates):
        for uuid, change in updates.get("Chassis_Private", {}).items():
            new = change.get("new")
            if new is None:
                rows.pop(uuid, None)
            else:
                rows.setdefault(uuid, {}).update(new)

    def reached():
        return any(row.get("name") == chassis
                   and row.get("nb_cfg", 0) >= target
                   for row in rows.values())

    apply(connection.call("monitor", [
        "OVN_Southbound", "wait-nb-cfg",
        {"Chassis_Private": {"columns": ["name", "nb_cfg"]}}]))
    open(ready_file, "w").close()
    while not reached():
        message = connection.next_message()
        if message.get("method") == "update":
            apply(message["params"][1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", action="store_true")
    parser.add_argument("--wait-nb-cfg", nargs=3,
                        metavar=("CHASSIS", "TARGET", "READY_FILE"))
    parser.add_argument("socket")
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if not args.wait_nb_cfg and not args.file:
        parser.error("FILE is required")
    try:
        connection = Connection(args.socket)
        if args.wait_nb_cfg:
            chassis, target, ready_file = args.wait_nb_cfg
            wait_nb_cfg(connection, chassis, int(target), ready_file)
            print("%d" % (time.time() * 1000))
            return
        with open(args.file) as f:
            content = json.load(f)
        start = time.monotonic()
        if args.bind:
            bind(connection, content)
        else:
            connection.transact(content)
    except (OSError, RuntimeError) as error:
        print("ovn-transact: %s" % error, file=sys.stderr)
        sys.exit(1)
    print("%.0f" % ((time.monotonic() - start) * 1000))


if __name__ == "__main__":
    main()
