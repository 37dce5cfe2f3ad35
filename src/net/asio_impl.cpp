// The one translation unit that compiles Asio's implementation
// (BOOST_ASIO_SEPARATE_COMPILATION is set for the whole core library), so
// the other files only instantiate templates.
#include <boost/asio/impl/src.hpp>
