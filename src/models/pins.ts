/**
 * sha256 (and, where a source gives it exactly, the byte size) of every real model file the
 * catalog downloads, each with the public page it was read from. Nothing here is computed or
 * guessed: a file with no source has no pin, and is then refused as unverified unless the user
 * passes --allow-unverified (see docs/models.md).
 *
 * Why a pin read at another commit holds for the catalog's commit: the hub's tree pages show
 * each file's last commit. The ONNX folders of both repos last changed before the pinned
 * commits (256M: 067788b, whose onnx/ last changed in "Add cast node to inputs_embeds (#2)";
 * 500M: 7b375e1, onnx/ last changed in #3), and each page below shows the file's last commit
 * as the upload (#1 / #2), after the folder's last change, so the bytes are the same.
 */
import type { FilePin } from './catalog-types.js';

const HF = 'https://huggingface.co';

/** HuggingFaceTB/SmolVLM2-256M-Video-Instruct at 067788b187b95ebe7b2e040b3e4299e342e5b8fd. */
export const SMOLVLM2_256M_ONNX_PINS: Record<string, FilePin> = {
  'onnx/vision_encoder_quantized.onnx': {
    sha256: '2a70c53030657dc01be90be0e9bf24febc9c709ebf20812ad0a9976698619668',
    source: `${HF}/HuggingFaceTB/SmolVLM2-256M-Video-Instruct/blob/eb77138efc07c564480573b859108199a1d66f2c/onnx/vision_encoder_quantized.onnx (Git LFS details; last commit 28755f8)`,
  },
  'onnx/embed_tokens_quantized.onnx': {
    sha256: 'e2cdc3690af5719c7463254f96c3b665a9e24add2a1fa6f594347d67a422710a',
    source: `${HF}/HuggingFaceTB/SmolVLM2-256M-Video-Instruct/blob/refs%2Fpr%2F5/onnx/embed_tokens_quantized.onnx (Git LFS details; last commit 28755f8)`,
  },
};

/** HuggingFaceTB/SmolVLM2-500M-Video-Instruct at 7b375e1b73b11138ff12fe22c8f2822d8fe03467. */
export const SMOLVLM2_500M_ONNX_PINS: Record<string, FilePin> = {
  'onnx/decoder_model_merged_quantized.onnx': {
    sha256: 'a5aaa12d62d43a05a4a7456864c508d0b3c17c55a654c05fb568f6da0b7d212d',
    source: `${HF}/HuggingFaceTB/SmolVLM2-500M-Video-Instruct/blob/refs%2Fpr%2F8/onnx/decoder_model_merged_quantized.onnx (large file pointer details; last commit fccdbb7)`,
  },
};

/**
 * ggml-org/SmolVLM2-256M-Video-Instruct-GGUF. Two independent public sources list the same two
 * hashes; neither names a commit, so the revision stays `main` and these pins decide.
 */
export const SMOLVLM2_256M_GGUF_PINS: Record<string, FilePin> = {
  'SmolVLM2-256M-Video-Instruct-Q8_0.gguf': {
    sha256: 'af7ce9951a2f46c4f6e5def253e5b896ca5e417010e7a9949fdc9e5175c27767',
    source: "the model table of a public llama.cpp macOS wrapper (LlamarattiWrapper, 'SmolVLM2 Video Instruct 250M') and a hobot_llamacpp setup guide (sha256sum of the file from hf-mirror)",
  },
  'mmproj-SmolVLM2-256M-Video-Instruct-Q8_0.gguf': {
    sha256: 'd34913a588464ff7215f086193e0426a4f045eaba74456ee5e2667d8ed6798b1',
    source: "the model table of a public llama.cpp macOS wrapper (LlamarattiWrapper, 'SmolVLM2 Video Instruct 250M')",
  },
};
