// The one alias for Boost.Asio (as in the Beast examples), and the I/O object
// types hearthd uses. Everything runs on one io_context, so objects name its
// executor type directly: a socket or timer with the type-erased
// any_io_executor would carry a 48-byte executor instead of an 8-byte one,
// and idle connections are counted in thousands.
//
// Asio is compiled once (src/net/asio_impl.cpp, BOOST_ASIO_SEPARATE_COMPILATION);
// include this only from src/net and the few headers that need I/O types.
#pragma once

#include <chrono>

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace net = boost::asio;

namespace hearth {

using tcp = net::ip::tcp;
using executor = net::io_context::executor_type;
using tcp_socket = net::basic_stream_socket<tcp, executor>;
using tcp_acceptor = net::basic_socket_acceptor<tcp, executor>;
using steady_timer =
    net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, executor>;

}  // namespace hearth
