// The translation unit the precompiled headers are built with (cmake/precompiled_headers.cmake).
