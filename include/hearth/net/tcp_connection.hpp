// One MQTT client over TCP: the mqtt::link the broker talks to, on Asio.
//
// Reading: the connection waits for readability with no buffer of its own,
// then reads non-blocking into the transport_context's shared buffer and
// decodes whole packets in place (mqtt::decode_fixed_header, then
// decode_packet), refusing a packet over max_packet_size after at most five
// bytes. Only an incomplete packet's bytes are kept between reads. An idle
// connection thus costs its socket, its timer and this object.
//
// Writing: one write in flight over a bounded mqtt::outbound_queue. Packets
// queued while a handler runs go out together in one gather write, posted
// at the end of the turn. QoS 0 is refused past the soft limit; past the hard
// limit the connection is closed with errc::write_queue_overflow (posted, as
// nothing may call the broker from inside a broker->link call).
//
// Deadlines: one timer, armed from an mqtt::keepalive (connect deadline,
// then 1.5 x keepalive), and on close the bound on flushing what is queued.
//
// Lifetime: kept alive by its pending operations (enable_shared_from_this);
// broker::on_close is called exactly once, from a handler, when it ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/keepalive.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/mqtt/outbound_queue.hpp"
#include "hearth/net/net.hpp"

namespace hearth {

class transport_context;

class tcp_connection final : public mqtt::link, public std::enable_shared_from_this<tcp_connection> {
public:
  static constexpr std::size_t no_index = std::numeric_limits<std::size_t>::max();

  tcp_connection(tcp_socket socket, transport_context& ctx);
  ~tcp_connection() override;

  // Registers with the broker and starts reading. Call once, on a shared_ptr.
  void run();

  // Ends the connection now, without flushing, and reports it to the broker
  // (server shutdown). Not for use from inside a broker->link call.
  void abort(std::error_code why);

  // mqtt::link
  void send(std::string_view bytes) override;
  bool send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                    std::uint16_t packet_id) override;
  void on_connected(std::uint16_t keepalive_seconds) override;
  void close(std::error_code why) override;
  std::string_view peer() const override { return peer_; }

private:
  friend class transport_context;  // registry_index_

  enum class state : std::uint8_t {
    open,     // reading and writing
    closing,  // the broker closed it: no more reading, flushing the queue
    closed,   // reported to the broker; waiting for pending operations to end
  };

  void do_wait_readable();
  void on_readable(const boost::system::error_code& ec);
  // Decodes what `in` completes; false once the connection stopped reading.
  bool consume(std::string_view in);
  bool dispatch(const mqtt::fixed_header& h, std::string_view body);
  bool refuse(std::error_code why);

  void queued();
  void do_write();
  void on_write(const boost::system::error_code& ec, std::size_t n);

  void arm_timer();
  void on_timer(const boost::system::error_code& ec);

  void fail(const boost::system::error_code& ec, const char* what);
  // Closes the socket and reports the end to the broker, once.
  void finish(std::error_code why);

  transport_context& ctx_;
  tcp_socket socket_;
  steady_timer timer_;
  mqtt::client* client_ = nullptr;
  mqtt::keepalive keepalive_;
  mqtt::outbound_queue queue_;
  std::string partial_;                    // an incomplete packet's bytes, usually empty
  std::string peer_;
  std::vector<net::const_buffer> write_buffers_;  // the pieces of the write in flight
  std::error_code close_reason_;
  std::size_t registry_index_ = no_index;
  state state_ = state::open;
  bool write_posted_ = false;
  bool writing_ = false;
  bool timer_armed_ = false;
  bool overflowed_ = false;
};

}  // namespace hearth
