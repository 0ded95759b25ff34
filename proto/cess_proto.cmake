# cess_grpc_proto_library(<target> PROTO <file relative to proto/>): generates the protobuf and gRPC
# C++ sources of one .proto file with protoc and grpc_cpp_plugin into the build tree and builds them as
# a static library. Consumers include "<dir>/<name>.pb.h" / ".grpc.pb.h" (e.g. "chain/p2p.grpc.pb.h").
# Generated code gets no -Werror and its headers are SYSTEM includes, so our warnings stay strict.
include_guard(GLOBAL)

find_package(PkgConfig REQUIRED)
pkg_check_modules(CESS_GRPCPP REQUIRED IMPORTED_TARGET GLOBAL grpc++ protobuf)
find_program(CESS_PROTOC protoc REQUIRED)
find_program(CESS_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_library(CESS_GRPCPP_REFLECTION grpc++_reflection REQUIRED)

function(cess_grpc_proto_library target)
  cmake_parse_arguments(P "" "PROTO" "" ${ARGN})
  set(CESS_PROTO_DIR ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  get_filename_component(_dir ${P_PROTO} DIRECTORY)
  get_filename_component(_name ${P_PROTO} NAME_WE)
  set(_out ${CMAKE_BINARY_DIR}/proto_gen)
  set(_srcs ${_out}/${_dir}/${_name}.pb.cc ${_out}/${_dir}/${_name}.grpc.pb.cc)
  set(_hdrs ${_out}/${_dir}/${_name}.pb.h ${_out}/${_dir}/${_name}.grpc.pb.h)
  add_custom_command(
    OUTPUT ${_srcs} ${_hdrs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_out}
    COMMAND ${CESS_PROTOC} --proto_path=${CESS_PROTO_DIR} --cpp_out=${_out} --grpc_out=${_out}
            --plugin=protoc-gen-grpc=${CESS_GRPC_CPP_PLUGIN} ${CESS_PROTO_DIR}/${P_PROTO}
    DEPENDS ${CESS_PROTO_DIR}/${P_PROTO}
    COMMENT "protoc ${P_PROTO}"
    VERBATIM)
  add_library(${target} STATIC ${_srcs} ${_hdrs})
  target_include_directories(${target} SYSTEM PUBLIC ${_out})
  target_link_libraries(${target} PUBLIC PkgConfig::CESS_GRPCPP)
endfunction()
