package offline

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/operation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/features"
	utilfeature "k8s.io/apiserver/pkg/util/feature"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/apis/crds"
)

// crdSchema is the Application CRD's schema for convoy's API version,
// prepared as the apiextensions-apiserver prepares a CRD it serves
// (customresource_handler.go): a structural schema with its defaults
// pruned, an OpenAPI validator and a CEL validator.
type crdSchema struct {
	structural *structuralschema.Structural
	openAPI    apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// applicationSchema is built once: compiling the CEL rules is the
// expensive part.
var applicationSchema = sync.OnceValues(func() (*crdSchema, error) {
	s, err := loadSchema()
	if err != nil {
		return nil, fmt.Errorf("loading the Application CRD embedded in convoy: %w", err)
	}
	return s, nil
})

func loadSchema() (*crdSchema, error) {
	all, err := crds.All()
	if err != nil {
		return nil, err
	}
	var validation *apiextensionsv1.CustomResourceValidation
	for _, crd := range all {
		if crd.Spec.Group != convoyv1alpha1.GroupVersion.Group || crd.Spec.Names.Kind != "Application" {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == convoyv1alpha1.GroupVersion.Version {
				validation = v.Schema
			}
		}
	}
	if validation == nil || validation.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("no schema for Application %s", convoyv1alpha1.GroupVersion)
	}

	internal := &apiextensions.CustomResourceValidation{}
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(validation, internal, nil); err != nil {
		return nil, fmt.Errorf("converting the schema: %w", err)
	}
	structural, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("the schema is not structural: %w", err)
	}
	// As the apiserver: the structural schema shares defaults with the
	// CRD, and defaults are pruned of what the schema does not know.
	structural = structural.DeepCopy()
	if err := structuraldefaulting.PruneDefaults(structural); err != nil {
		return nil, fmt.Errorf("pruning the schema's defaults: %w", err)
	}
	openAPI, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("building the OpenAPI validator: %w", err)
	}
	return &crdSchema{
		structural: structural,
		openAPI:    openAPI,
		// isResourceRoot: the schema is the whole object's.
		cel: cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// admit does to obj, in place, what the apiserver does to an Application
// sent with kubectl apply (create, strict field validation), and returns
// every problem it would report. Where the apiserver stops at the first
// stage that fails (an unknown field fails the request before validation
// runs), admit goes on, so one run lists every problem.
//
// The stages, in the apiserver's order:
//   - decoding (customresource_handler.go, unstructuredSchemaCoercer):
//     metadata is read into ObjectMeta, unknown fields are pruned (strict
//     field validation turns each into an error), nulls without a default
//     are dropped, then the schema's defaults are applied;
//   - create (strategy.go, PrepareForCreate): status is dropped, since
//     the CRD has a status subresource;
//   - validation (strategy.go Validate, validator.go): object metadata
//     (the name a DNS subdomain), the OpenAPI schema, embedded objects,
//     list-type invariants (listType=map and set), and the CEL rules unless
//     an earlier error blocks them.
func (s *crdSchema) admit(ctx context.Context, obj map[string]any) field.ErrorList {
	var errs field.ErrorList

	meta, _, unknownMeta, err := schemaobjectmeta.GetObjectMetaWithOptions(obj, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("metadata"), obj["metadata"], err.Error())}
	}
	unknown := structuralpruning.PruneWithOptions(obj, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, s.structural)
	if ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, obj, s.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true}); ferr != nil {
		errs = append(errs, ferr)
	} else {
		unknown = append(unknown, paths...)
	}
	for _, p := range append(unknownMeta, unknown...) {
		errs = append(errs, unknownField(p))
	}
	// The coercer puts back the metadata it read, without unknown fields.
	if meta != nil {
		if err := schemaobjectmeta.SetObjectMeta(obj, meta); err != nil {
			errs = append(errs, field.Invalid(field.NewPath("metadata"), nil, err.Error()))
		}
	}
	structuraldefaulting.Default(obj, s.structural)

	delete(obj, "status")

	if meta == nil {
		errs = append(errs, field.Required(field.NewPath("metadata"), "an Application needs metadata with a name"))
	} else {
		errs = append(errs, metavalidation.ValidateObjectMetaDeclaratively(ctx, operation.Create, meta, nil, true,
			metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"), utilfeature.DefaultFeatureGate.Enabled(features.DeclarativeValidationBeta))...)
	}
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, obj, s.openAPI)...)
	errs = append(errs, schemaobjectmeta.Validate(ctx, nil, obj, s.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, s.structural, obj)...)
	if blocking(errs) {
		errs = append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"))
	} else {
		celErrs, _ := s.cel.Validate(ctx, nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	return errs
}

// unknownField is the error for a field the schema does not have. The
// apiserver answers such a request with "strict decoding error: unknown
// field"; here it is one problem among the others, at its path.
func unknownField(path string) *field.Error {
	return &field.Error{Type: field.ErrorTypeForbidden, Field: path, BadValue: "",
		Detail: "unknown field: the Application CRD has no such field, so kubectl apply (strict field validation) rejects it"}
}

// blocking is the apiserver's hasBlockingErr: after a type, required,
// enum, length or item-count error, the CEL rules are not run, since they
// could fail on the malformed object, or cost too much on an oversized one.
func blocking(errs field.ErrorList) bool {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

// invalidError is an Application the apiserver would reject, with every
// reason, one per line.
type invalidError struct {
	manifest *manifest
	errs     field.ErrorList
}

func (e *invalidError) Error() string {
	var problems, notes []string
	for _, err := range e.errs {
		// The apiserver's note that the CEL rules were skipped belongs to
		// no field (its path prints as "<nil>"), and is no problem itself.
		if err.Field == "" || err.Field == "<nil>" {
			notes = append(notes, err.Detail)
			continue
		}
		problems = append(problems, err.Error())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s is invalid (%d %s):", e.manifest.name, e.manifest.describe(), len(problems), plural(len(problems), "problem", "problems"))
	for _, line := range append(problems, notes...) {
		b.WriteString("\n  ")
		b.WriteString(line)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
