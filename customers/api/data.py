"""API for imports and exports (CUS-10).

- ``POST /api/v1/imports/`` (multipart: ``kind`` customers|orders, ``file``) → 202 and the job;
- ``POST /api/v1/exports/`` (``kind``, ``format`` csv|xlsx, ``filters``: the customer list's
  filter parameters) → 202 and the job;
- ``GET /api/v1/jobs/`` and ``/api/v1/jobs/<id>/``: status, progress, the first errors;
  ``/api/v1/jobs/<id>/download/``: the export file or the import's full error report.

Jobs through ``DataJob.objects.visible_to`` (another store's job is 404). Roles that may not import
or export (the floor, partners) get 403.
"""

from django.http import FileResponse, Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.data_jobs import (DATA_LEVELS, EXPORT_KINDS, IMPORT_KINDS, data_export_create, data_import_create,
                                 result_filename)
from customers.errors import CustomerError
from customers.exports import FORMATS
from customers.models import DataJob
from stores.api.base import ScopedQuerysetMixin
from stores.scope import scope_of

IMPORT_KIND = {"customers": DataJob.Kind.IMPORT_CUSTOMERS, "orders": DataJob.Kind.IMPORT_ORDERS}
EXPORT_KIND = {"customers": DataJob.Kind.EXPORT_CUSTOMERS, "orders": DataJob.Kind.EXPORT_ORDERS}


class DataJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DataJob
        fields = ["id", "kind", "status", "source_name", "total_rows", "processed_rows", "imported_rows",
                  "progress_percent", "error_count", "errors", "message", "options", "download_url", "created_at",
                  "started_at", "finished_at"]
        read_only_fields = fields

    def get_download_url(self, job) -> str | None:
        if not job.result_file:
            return None
        request = self.context.get("request")
        url = f"/api/v1/jobs/{job.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class ImportInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(IMPORT_KIND))
    file = serializers.FileField()


class ExportInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(EXPORT_KIND))
    format = serializers.ChoiceField(choices=list(FORMATS), default="xlsx")
    filters = serializers.DictField(required=False, default=dict, help_text=(
        "The customer list's filter parameters (as GET /api/v1/customers/ takes them); for orders: "
        "store, assistant, status, payment_type, placed_from, placed_to."))


def _may_use_data(request) -> None:
    if scope_of(request.user).level not in DATA_LEVELS:
        raise PermissionDenied(_("Only store managers, region supervisors and head office can import or export."))


class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportInput}, responses={202: DataJobSerializer})
    def post(self, request):
        _may_use_data(request)
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = data_import_create(user=request.user, kind=IMPORT_KIND[data.validated_data["kind"]],
                                     upload=data.validated_data["file"])
        except CustomerError as error:
            raise ValidationError({"file": [str(error)]}) from error
        job.refresh_from_db()  # in the embedded default the task already ran
        return Response(DataJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ExportView(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=ExportInput, responses={202: DataJobSerializer})
    def post(self, request):
        _may_use_data(request)
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = data_export_create(user=request.user, kind=EXPORT_KIND[data.validated_data["kind"]],
                                     fmt=data.validated_data["format"], params=data.validated_data["filters"])
        except CustomerError as error:
            raise ValidationError({"filters": [str(error)]}) from error
        job.refresh_from_db()
        return Response(DataJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class DataJobViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Imports and exports the caller may see (their store's, their region's, or all for HQ)."""

    queryset = DataJob.objects.exclude(kind=DataJob.Kind.PIPL_EXPORT).select_related("created_by_staff")
    serializer_class = DataJobSerializer
    filterset_fields = ["kind", "status"]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if not job.result_file or job.kind not in (*IMPORT_KINDS, *EXPORT_KINDS):
            raise Http404
        return FileResponse(job.result_file.open("rb"), as_attachment=True, filename=result_filename(job))


def register(router) -> None:
    """Add this module's viewsets to ``router``."""
    router.register("jobs", DataJobViewSet, basename="datajob")


urlpatterns: list = [
    path("imports/", ImportView.as_view(), name="data-import"),
    path("exports/", ExportView.as_view(), name="data-export"),
]
