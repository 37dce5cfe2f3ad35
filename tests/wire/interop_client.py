"""A strict little MQTT 3.1.1 client that behaves like the one of the Eclipse
Paho interoperability run: CONNACK must arrive within 0.5 s, it never sends
PINGREQ, it can pause (ignore incoming PUBLISHes, still answering
acknowledgements of its own messages), it keeps its in-flight state across a
persistent reconnect, and it records as an error any packet the broker had no
business sending (an acknowledgement for an id it never used, a PINGRESP it
never asked for, ...). Tests assert that no such error happened.
"""
import socket
import threading
import time

import mqtt_wire as w


class ConnectFailed(Exception):
    pass


class InteropClient:
    def __init__(self, client_id):
        self.client_id = client_id
        self.sock = None
        self.lock = threading.Lock()
        self.messages, self.subacks, self.unsubacks, self.errors = [], [], [], []
        self.in_msgs, self.out_msgs = {}, {}  # packet id -> (topic, payload, qos, retain)
        self.next_id = 1
        self.paused = False
        self.thread = None
        self.closed_by_peer = threading.Event()

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.subacks.clear()
            self.unsubacks.clear()

    # --- connection ---------------------------------------------------------

    def connect(self, port, clean=True, keepalive=0, new_socket=True, protocol_name=None,
                will=None):
        if not new_socket:
            # A second CONNECT on a connection that is already up: the broker
            # must not accept it (MQTT-3.1.0-2).
            self.sock.sendall(w.connect(self.client_id, clean, keepalive, will))
            if self.closed_by_peer.wait(1.0):
                raise ConnectFailed("second CONNECT closed the connection")
            raise AssertionError("the broker accepted a second CONNECT on one connection")
        self.stop_reader()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        packet = w.connect(self.client_id, clean, keepalive, will)
        if protocol_name is not None:
            packet = w.pkt(0x10, w.s(protocol_name), 4, 0x02 if clean else 0, w.u16(keepalive),
                           w.s(self.client_id))
        self.sock.sendall(packet)
        conn = w.Conn.__new__(w.Conn)
        conn.sock, conn.timeout = self.sock, 0.5
        try:
            ack = conn.read_packet("CONNACK")
        except AssertionError as e:
            self.sock.close()
            raise ConnectFailed(str(e)) from None
        if ack[0] != 0x20 or len(ack) != 4:
            raise AssertionError("expected CONNACK, got %s" % w.describe(ack))
        if ack[3] != 0:
            self.sock.close()
            raise ConnectFailed("CONNACK return code %d" % ack[3])
        if clean:
            with self.lock:
                self.in_msgs.clear()
                self.out_msgs.clear()
        self.closed_by_peer.clear()
        self.thread = threading.Thread(target=self._receive, args=(self.sock,), daemon=True)
        self.thread.start()
        return ack[2]

    def disconnect(self):
        if not self.paused:
            deadline = time.monotonic() + 4
            while (self.in_msgs or self.out_msgs) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not self.in_msgs and not self.out_msgs, \
                "flows not completed at DISCONNECT: in %s out %s" % (self.in_msgs, self.out_msgs)
        self.sock.sendall(w.DISCONNECT)
        time.sleep(0.1)
        self.stop_reader()

    def terminate(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.stop_reader()

    def stop_reader(self):
        if self.sock is not None:
            self.sock.close()
        if self.thread is not None:
            self.thread.join(2)
            self.thread = None

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False

    # --- requests -----------------------------------------------------------

    def _id(self):
        self.next_id = self.next_id % 65535 + 1
        return self.next_id

    def subscribe(self, filters, qoss):
        self.sock.sendall(w.subscribe(self._id(), *zip(filters, qoss)))

    def unsubscribe(self, filters):
        self.sock.sendall(w.unsubscribe(self._id(), *filters))

    def publish(self, topic, payload, qos=0, retained=False):
        mid = None
        if qos:
            mid = self._id()
            with self.lock:
                self.out_msgs[mid] = qos
        self.sock.sendall(w.publish(topic, payload, qos, retain=retained, mid=mid))

    # --- the receiving side -------------------------------------------------

    def _receive(self, sock):
        conn = w.Conn.__new__(w.Conn)
        conn.sock, conn.timeout = sock, 3600
        while True:
            try:
                p = conn.read_packet()
            except (AssertionError, OSError):
                self.closed_by_peer.set()
                return
            with self.lock:
                self._handle(sock, p)

    def _handle(self, sock, p):
        kind, mid = p[0] >> 4, int.from_bytes(p[2:4], "big") if len(p) >= 4 else None
        if kind == 9:
            self.subacks.append((mid, list(p[4:])))
        elif kind == 11:
            self.unsubacks.append(mid)
        elif kind == 4 and self.out_msgs.get(mid) == 1:
            del self.out_msgs[mid]
        elif kind == 5 and self.out_msgs.get(mid) == 2:
            sock.sendall(w.pubrel(mid))
        elif kind == 7 and self.out_msgs.get(mid) == 2:
            del self.out_msgs[mid]
        elif kind == 6:
            if mid in self.in_msgs:  # an unknown id is ignored, as Paho's client does
                self.messages.append(self.in_msgs.pop(mid))
                sock.sendall(w.pubcomp(mid))
        elif kind == 3:
            if self.paused:
                return
            topic, payload, qos, retain, dup, pid = w.split_publish(p)
            if qos == 2:
                self.in_msgs[pid] = (topic, payload, qos, retain)
                sock.sendall(w.pubrec(pid))
            else:
                self.messages.append((topic, payload, qos, retain))
                if qos == 1:
                    sock.sendall(w.puback(pid))
        else:
            self.errors.append("unexpected %s" % w.describe(p))
