// The Socket.IO side of hearth-sio-testserver: the behaviour that the
// official server test suite (socketio/socket.io-protocol, test-suite/)
// expects from the server it tests.
//
// In "/" and "/custom":
//   on connect          emit("auth", <the CONNECT payload, or {}>)
//   "message"           emit("message-back", ...args)        (binary kept)
//   "message-with-ack"  ack(...args)                          (binary kept)
//   "emit-with-ack"     emit "emit-with-ack" with an ack request; the
//                       client's ack arguments come back as emit("emit-with-ack", ...)
// Every other namespace is refused with {"message":"Invalid namespace"}
// (the server's rule for namespaces never made). The suite also expects
// connect_timeout = 1000 ms, set where the server is built.
#pragma once

namespace hearth::web::sio {

class server;

void mount_conformance_handlers(server& io);

}  // namespace hearth::web::sio
