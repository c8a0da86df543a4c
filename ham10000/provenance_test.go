package ham10000

import (
	"errors"
	"strings"
	"testing"
)

// TestProvenanceInfo writes a provenance into a model's info and reads it
// back, and checks the refusal to score a part the model trained on,
// from the flag and, for older models, from the clinical counts.
func TestProvenanceInfo(t *testing.T) {
	recs := []Record{{ImageID: "a", DX: "nv", Sex: "male", Localization: "back", Age: "40.0"},
		{ImageID: "b", DX: "mel", Sex: "female", Localization: "face", Age: "60.0"}}
	clinical, err := FitClinical(recs, []string{"nv", "mel"})
	if err != nil {
		t.Fatal(err)
	}
	p := Provenance{DataDir: "data", Images: "pictures", SplitFile: "run.split.csv", TrainVal: true, Clinical: clinical}
	info := map[string]string{}
	p.WriteInfo(info)
	back, err := ReadProvenance(info)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(back.DataDir, "/data") || !strings.HasSuffix(back.Images, "/pictures") ||
		!strings.HasSuffix(back.SplitFile, "/run.split.csv") || !back.TrainVal || back.Clinical.Text() != clinical.Text() {
		t.Errorf("read back %+v", back)
	}
	if err := back.refuseTrainedOn(recs); !errors.Is(err, ErrTrainedOn) {
		t.Errorf("a -train-val model: %v", err)
	}
	// An older model, without the flag, whose counts cover a picture the
	// training part does not hold.
	back.TrainVal = false
	if err := back.refuseTrainedOn(recs[:1]); !errors.Is(err, ErrTrainedOn) || !strings.Contains(err.Error(), "more than the 0") {
		t.Errorf("an older model: %v", err)
	}
	if err := back.refuseTrainedOn(recs); err != nil {
		t.Errorf("a model of the training part: %v", err)
	}
	if _, err := back.ClinicalFor([]string{"mel", "nv"}, nil); err == nil {
		t.Error("clinical counts for other classes were accepted")
	}
	if _, err := ReadProvenance(map[string]string{"clinical": "not counts"}); err == nil {
		t.Error("broken clinical counts were read")
	}
}
