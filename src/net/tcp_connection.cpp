// stream_connection over plain TCP (reactor mode): the one instantiation of
// the connection template for tcp_socket.
#include "tcp_connection_impl.hpp"

namespace hearth {

template class stream_connection<tcp_socket>;

}  // namespace hearth
