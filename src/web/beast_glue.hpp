// Beast types and the two session entry points, private to src/web. Each
// entry point is a template over the stream (plain TCP or TLS), explicitly
// instantiated in its .cpp, so that Beast is compiled in few places.
#pragma once

#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "server_state.hpp"

namespace hearth::web::detail {

namespace beast = boost::beast;
namespace http = beast::http;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using beast_request = http::request<http::string_body>;

// Serves HTTP on an accepted connection (after the TLS handshake, for TLS).
template <class Stream>
void run_http_session(Stream&& s, const std::shared_ptr<server_state>& state, const listener_options& opts,
                      std::string remote, std::shared_ptr<net::ssl::context> tls);

// Takes over a connection whose request is a WebSocket upgrade.
template <class Stream>
void run_websocket(Stream&& s, beast_request&& req, ws_accept&& accept, const std::shared_ptr<server_state>& state,
                   std::string remote);

}  // namespace hearth::web::detail
