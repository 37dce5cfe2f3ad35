// stream_connection over plain TCP (reactor mode): the one instantiation of
// the connection template for raw_tcp.
#include "tcp_connection_impl.hpp"

namespace hearth {

template class stream_connection<raw_tcp>;

}  // namespace hearth
