# LibTorch parts of cess_ailink (models, training, simulation). The top level finds Debian's
# libtorch-dev CMake package "Torch".
include(${CMAKE_CURRENT_SOURCE_DIR}/src/model/sources.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/src/train/sources.cmake)
include(${CMAKE_CURRENT_SOURCE_DIR}/src/sim/sources.cmake)
target_link_libraries(cess_ailink PUBLIC ${TORCH_LIBRARIES})
target_compile_definitions(cess_ailink PUBLIC CESS_HAVE_TORCH=1)
