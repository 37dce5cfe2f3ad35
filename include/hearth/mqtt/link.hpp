// What the broker needs from a connection, whatever carries it (TCP, TLS,
// WebSocket, or an in-process client). The broker never does I/O itself: it
// hands bytes and messages to a link, and the link writes them when it can.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "hearth/mqtt/message.hpp"

namespace hearth::mqtt {

class link {
public:
  virtual ~link() = default;

  // Queues an encoded control packet (CONNACK, PUBACK, SUBACK, ...).
  virtual void send(std::string_view bytes) = 0;

  // Queues a PUBLISH of a shared message with this delivery's own flags.
  // A QoS 0 delivery may be refused when the link's write queue is past its
  // soft limit; the function then returns false and the drop is counted.
  virtual bool send_publish(const message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                            std::uint16_t packet_id) = 0;

  // CONNECT accepted: the link now enforces this keepalive (0 = none).
  virtual void on_connected(std::uint16_t keepalive_seconds) = 0;

  // Ends the connection after what is queued has been written. The link
  // reports the end through broker::on_close later, never from inside close().
  virtual void close(std::error_code why) = 0;

  // True while the link's unsent bytes are past its soft limit. The broker
  // then starts no new QoS 1/2 flight on it (the window is bounded in bytes as
  // well as in count), and the link calls broker::on_drained() once it has
  // written its backlog down, from a handler of its own.
  virtual bool backlogged() const { return false; }

  // Flow control: the broker pauses a publisher whose messages a subscriber
  // cannot take fast enough, instead of dropping them after acknowledging
  // them. A paused link hands no more packets to the broker (it keeps what it
  // read but did not dispatch) and reads nothing more until resumed; its
  // keepalive is suspended meanwhile. resume_reading() may be called from
  // inside a broker call, so a link posts the work it implies.
  virtual void pause_reading() {}
  virtual void resume_reading() {}

  // Remote address, for logs ("127.0.0.1:53122", "local:bridge").
  virtual std::string_view peer() const = 0;

  // The name (CN) in the client certificate the transport verified, or empty
  // (no TLS, or no certificate asked for). The authenticator may use it as
  // the user name.
  virtual std::string_view certificate_name() const { return {}; }

  // Holds back everything the link writes from now on for `d` (a login
  // refused, or any login from an address that keeps failing, is answered
  // late), without blocking anything else.
  virtual void delay_writes(std::chrono::milliseconds d) { (void)d; }
};

}  // namespace hearth::mqtt
