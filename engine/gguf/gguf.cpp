#include "engine/gguf/gguf.h"
