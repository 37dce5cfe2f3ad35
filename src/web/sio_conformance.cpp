#include "hearth/web/sio_conformance.hpp"

#include <chrono>
#include <utility>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {

void mount_conformance_handlers(server& io) {
  for (const char* name : {"/", "/custom"}) {
    auto& space = io.of(name);
    space.on_connection([](socket& s) { s.emit("auth", {s.auth()}); });
    space.on("message", [](socket& s, event& e) {
      s.emit("message-back", std::move(e.data.values), std::move(e.data.attachments));
    });
    space.on("message-with-ack", [](socket&, event& e) {
      e.ack(std::move(e.data.values), std::move(e.data.attachments));
    });
    space.on("emit-with-ack", [](socket& s, event& e) {
      socket_ref ref = s.weak_from_this();
      s.emit_with_ack("emit-with-ack", std::move(e.data.values), std::move(e.data.attachments),
                      std::chrono::seconds(5), [ref](ack_reply&& r) {
                        auto target = ref.lock();
                        if (target && r.status == ack_status::ok)
                          target->emit("emit-with-ack", std::move(r.data.values), std::move(r.data.attachments));
                      });
    });
  }
}

}  // namespace hearth::web::sio
