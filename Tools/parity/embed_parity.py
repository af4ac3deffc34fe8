# Usage: embed_parity.py HF_FOLDER KOBERT LINES_FILE COUNT [MODEL (a .kbt; default the folder)]: "query: " + each line
# tokenized by `tokenizers` from the folder, embedded by transformers (fp32) and by `kobert predict --ids`.
# fp32 parity of our runtime on the converted multilingual-e5-small: kobert predict --ids vs transformers,
# mean pooling (no normalization) of the last hidden state.
import json, subprocess, sys, numpy as np, torch, transformers
from tokenizers import Tokenizer
folder, kobert = sys.argv[1], sys.argv[2]
model_path = sys.argv[5] if len(sys.argv) > 5 else folder
lines = [l.strip() for l in open(sys.argv[3]) if l.strip()][:int(sys.argv[4])]
tok = Tokenizer.from_file(folder + "/tokenizer.json")
model = transformers.BertModel.from_pretrained(folder, add_pooling_layer=False).eval()
ids = [tok.encode("query: " + l).ids[:512] for l in lines]
out = subprocess.run([kobert, "predict", "--model", model_path, "--task", "embed", "--pooling", "mean", "--ids", "--threads", "2"],
                     input="\n".join(json.dumps(i) for i in ids) + "\n", capture_output=True, text=True, check=True).stdout.splitlines()
worst, cos, cs = 0.0, 1.0, []
for i, line in zip(ids, out):
    ours = np.array(json.loads(line)["embedding"])
    with torch.inference_mode():
        ref = model(input_ids=torch.tensor([i])).last_hidden_state[0].mean(0).double().numpy()
    worst = max(worst, float(np.abs(ours - ref).max()))
    c = float(ours @ ref / np.linalg.norm(ours) / np.linalg.norm(ref)); cos = min(cos, c); cs.append(c)
print(f"{len(ids)} sentences: mean-pooled max |Δ| {worst:.2e}, worst cosine {cos:.6f}, mean cosine {sum(cs)/len(cs):.6f}")
