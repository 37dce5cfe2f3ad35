// Asio's TLS implementation (boost/asio/ssl), compiled once for every user
// of net::ssl (hearth-agent's client, the TLS listeners), as asio_impl.cpp
// does for the rest of Asio under BOOST_ASIO_SEPARATE_COMPILATION.
#include <boost/asio/ssl/impl/src.hpp>
