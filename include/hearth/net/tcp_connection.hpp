// One MQTT client over a byte stream: the mqtt::link the broker talks to, on
// Asio. The MQTT logic (incremental decode, keepalive, bounded outbound
// queue, coalesced writes, backpressure) is written once, in the class
// template stream_connection<Stream>; a stream only supplies bytes.
//
// How another stream plugs in (TLS does, MQTT over WebSocket will):
//  - write an adapter type with the members below, and one .cpp that
//    includes "tcp_connection_impl.hpp" (src/net) and says
//    `template class hearth::stream_connection<your_stream>;` (as
//    tls_connection.cpp does), so its templates compile in that file only;
//  - required: `using executor_type = executor;`, `get_executor()`, Asio-style
//    `async_read_some(mutable_buffer, handler)` and
//    `async_write_some(const_buffers, handler)` (handler(error_code, size_t)),
//    `tcp::endpoint remote_endpoint(boost::system::error_code&) const` (for
//    logs and the authenticator) and `void close()` (ends it at once);
//  - optional: `async_handshake(handler(error_code))`, run before anything
//    MQTT under its own deadline (limits().handshake_timeout; the connect
//    deadline starts when it is done); and
//    `std::string certificate_name() const`, a verified client identity.
//  - then `std::make_shared<stream_connection<your_stream>>(std::move(s), ctx)->run()`.
//
// Plain TCP (raw_tcp) is special-cased for memory and speed (reactor mode):
// the socket is a bare descriptor on the transport's fd_poller (epoll,
// level-triggered), not on Asio's reactor; the connection waits for
// readability with no buffer of its own, then reads non-blocking into the
// transport_context's shared buffer, and writes with non-blocking gather
// writes straight from the queue. An idle TCP connection thus costs its
// kernel socket and this object (its deadline is a node on the transport's
// timing wheel). Other streams (proactor mode) read with async_read_some
// into a buffer of their own and write a copy of the queue's front with one
// async_write at a time, since their bytes pass through an encoder anyway.
//
// Reading: whole packets are decoded in place (mqtt::decode_fixed_header,
// then decode_packet), refusing a packet over max_packet_size after at most
// five bytes. Only an incomplete packet's bytes are kept between reads, and
// the write queue exists only while something is queued.
//
// Writing: over a bounded mqtt::outbound_queue, with one write in progress
// at a time. Packets queued while a handler runs go out together at the end
// of the turn, until the turn's budget is spent. QoS 0 is refused past the
// soft limit; past the hard limit the connection is closed with
// errc::write_queue_overflow (posted, as nothing may call the broker from
// inside a broker->link call). delay_writes() holds every write back for a
// while (a refused login from an address that keeps failing).
//
// Deadlines: one entry on the transport_context's timing wheel (one-second
// resolution), scheduled for the TLS handshake, then from an mqtt::keepalive
// (connect deadline, then 1.5 x keepalive), and on close the bound on
// flushing what is queued. Only delay_writes(), which is rare (refused
// logins) and wants millisecond precision, makes a timer of its own.
//
// Lifetime: from run() to finish() the connection owns itself (the poller
// holds plain pointers, and a paused connection, or one whose close the
// broker holds back, has no operation pending); after finish() its pending
// operations keep it until they complete. broker::on_close is called exactly
// once, from a handler, when it ends.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/keepalive.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/mqtt/outbound_queue.hpp"
#include "hearth/net/deadline_wheel.hpp"
#include "hearth/net/fd_poller.hpp"
#include "hearth/net/raw_tcp.hpp"
#include "hearth/net/net.hpp"

namespace hearth::mqtt {
struct client;
}

namespace hearth {

class transport_context;

// What the transport_context's registry knows of a connection, whatever its
// stream; its deadline is an entry on the context's wheel.
class connection_base : public mqtt::link, public deadline_wheel::entry {
public:
  static constexpr std::uint32_t no_index = std::numeric_limits<std::uint32_t>::max();

  // Ends the connection now, without flushing, and reports it to the broker
  // (server shutdown). Not for use from inside a broker->link call.
  virtual void abort(std::error_code why) = 0;

private:
  friend class transport_context;
  std::uint32_t registry_index_ = no_index;

protected:
  std::uint32_t registry_index() const noexcept { return registry_index_; }
};

template <class Stream>
class stream_connection final : public connection_base,
                                public fd_poller::watcher,
                                public std::enable_shared_from_this<stream_connection<Stream>> {
public:
  // The plain TCP socket is read and written in reactor mode (see above).
  static constexpr bool reactor = std::is_same_v<Stream, raw_tcp>;

  stream_connection(Stream stream, transport_context& ctx);
  ~stream_connection() override;

  // Registers, runs the stream's handshake if it has one, then starts MQTT.
  // Call once, on a shared_ptr.
  void run();

  void abort(std::error_code why) override;

  // mqtt::link
  void send(std::string_view bytes) override;
  bool send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                    std::uint16_t packet_id) override;
  void on_connected(std::uint16_t keepalive_seconds) override;
  void close(std::error_code why) override;
  bool backlogged() const override;
  void pause_reading() override;
  void resume_reading() override;
  void delay_writes(std::chrono::milliseconds d) override;
  std::string_view peer() const override { return peer_; }
  std::string_view certificate_name() const override;

private:
  enum class state : std::uint8_t {
    handshake,  // the stream's own handshake; the broker does not know it yet
    open,       // reading and writing
    closing,    // the broker closed it: no more reading, flushing the queue
    closed,     // reported to the broker; waiting for pending operations to end
  };

  std::shared_ptr<stream_connection> self() { return this->shared_from_this(); }
  executor exec();

  // Reactor mode: readiness from the poller, and telling it what we wait for
  // (wait_pending_: readable; waiting_writable_: writable).
  void on_ready(std::uint32_t events) override;
  void on_flush() override { do_write(); }
  void update_interest();

  void start_mqtt();
  void on_handshake(const boost::system::error_code& ec);

  // Reading: reactor mode waits, then reads what is there; proactor mode
  // reads asynchronously into async_read_buffer_.
  void start_reading();
  void do_wait_readable();
  void on_readable(const boost::system::error_code& ec);
  void do_async_read();
  void on_async_read(const boost::system::error_code& ec, std::size_t n);
  // Bytes received: counted, and the keepalive told.
  void received(std::size_t n);
  // Decodes what `in` completes; false once the connection stopped reading.
  bool consume(std::string_view in);
  // Keeps what a paused connection read but did not dispatch.
  void hold(std::string_view rest);
  // While paused: reads on, holding what arrives, and dispatches only the
  // acknowledgements and PINGREQs in it, so the client's own deliveries keep
  // draining (otherwise two clients that publish to each other could wait on
  // each other). Stops reading once paused_hold_limit bytes are held.
  void read_while_paused();
  // Appends bytes read while paused (or while a resume is pending) to the
  // held ones; false once the connection stopped reading.
  bool hold_read(std::string_view in);
  bool dispatch_held_acks();
  static constexpr std::size_t paused_hold_limit = 64 * 1024;
  std::size_t held_bytes() const noexcept { return partial_ ? partial_->size() : 0; }
  void on_resumed();
  bool dispatch(const mqtt::fixed_header& h, std::string_view body);
  bool refuse(std::error_code why);

  // The write queue, created on demand and freed whenever it drains.
  mqtt::outbound_queue& queue();
  void queued();
  void post_write();
  void do_write();
  void on_writable(const boost::system::error_code& ec);
  void on_async_written(const boost::system::error_code& ec, std::size_t n);
  // Tells the broker when a backlog it saw has drained.
  void after_write();
  bool over_soft_limit() const;
  bool writes_held() const;

  // Schedules the keepalive (or connect) deadline, keeping an earlier one.
  void arm_timer();
  void on_deadline() override;
  void on_hold_ended(const boost::system::error_code& ec);

  void fail(const boost::system::error_code& ec, const char* what);
  // Closes the stream and reports the end to the broker, once.
  void finish(std::error_code why);
  void close_stream();

  // Proactor mode only: its own read buffer, the bytes of the write in
  // flight (copied out of the queue, which may move them while it waits),
  // and the client certificate's name. A plain TCP connection has none.
  static constexpr std::size_t async_read_size = 16 * 1024;
  struct async_buffers {
    std::unique_ptr<char[]> read;
    std::string write;
    std::string certificate_name;
  };
  // Reactor mode: what it last asked the poller for.
  struct reactor_state {
    std::uint8_t interest = fd_poller::none;
  };

  transport_context& ctx_;
  std::shared_ptr<stream_connection> owner_;  // itself, from run() to finish()
  Stream stream_;
  mqtt::client* client_ = nullptr;
  mqtt::keepalive keepalive_;
  std::unique_ptr<mqtt::outbound_queue> out_;  // null while nothing is queued
  std::unique_ptr<std::string> partial_;  // an incomplete packet's bytes, usually none
  std::conditional_t<reactor, reactor_state, async_buffers> async_;
  std::string peer_;
  std::error_code close_reason_;
  std::unique_ptr<steady_timer> hold_;  // delay_writes(): writes wait until it expires
  state state_ = state::open;
  mutable bool backlog_seen_ = false;  // the broker saw backlogged(): tell it when drained
  bool paused_ = false;        // the broker asked us to stop dispatching (backpressure)
  bool resume_pending_ = false;  // on_resumed() is posted: it alone may touch the held bytes
  bool wait_pending_ = false;  // a wait for readability (or an async read) is in flight
  bool write_posted_ = false;
  bool waiting_writable_ = false;  // reactor: waiting for writability; proactor: a write in flight
  bool overflowed_ = false;
};

using tcp_connection = stream_connection<raw_tcp>;
extern template class stream_connection<raw_tcp>;

}  // namespace hearth
